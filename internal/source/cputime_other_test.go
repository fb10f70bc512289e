//go:build !unix

package source

import "time"

// cpuTime is unknown here; benchmarks then skip the per-CPU metrics.
func cpuTime() time.Duration { return 0 }
