package cli

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestParseMemory(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		err  string // part of the error; "" for none
	}{
		{in: "256MB", want: 256e6},
		{in: "256MiB", want: 256 << 20},
		{in: "1GiB", want: 1 << 30},
		{in: "1gib", want: 1 << 30},
		{in: "2GB", want: 2e9},
		{in: " 512 MiB ", want: 512 << 20},
		{in: "1.5GiB", want: 3 << 29},
		{in: "20000KiB", want: 20000 << 10},
		{in: "300000000", want: 300000000},
		{in: "300000000B", want: 300000000},
		{in: "", err: "not a size"},
		{in: "MB", err: "not a size"},
		{in: "lots", err: "not a size"},
		{in: "256 M", err: "not a size"},
		{in: "-1GiB", err: "not a size"},
		{in: "+1GiB", err: "not a size"},
		{in: "1e9", err: "not a size"},
		{in: "0x100MB", err: "not a size"},
		{in: "1_000MB", err: "not a size"},
		{in: "infGB", err: "not a size"},
		{in: "NaN", err: "not a size"},
		{in: "1MB", err: "too small"},
		{in: "0", err: "too small"},
		{in: "99999999999TiB", err: "too large"},
	} {
		got, err := parseMemory(tc.in)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("parseMemory(%q): %v", tc.in, err)
		case tc.err == "" && got != tc.want:
			t.Errorf("parseMemory(%q) = %d, want %d", tc.in, got, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("parseMemory(%q) = %d, %v; want an error with %q", tc.in, got, err, tc.err)
		}
	}
}

// The limit is set before a command that runs rows starts, from --memory,
// else HANDOVER_MEMORY, else 256 MiB (less what the runtime does not
// count); commands that run no rows leave it.
func TestMemoryLimitApplied(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	dir := t.TempDir() // no project: each command fails after the limit is set
	limit := func() int64 { return debug.SetMemoryLimit(-1) }

	for _, tc := range []struct {
		env  string
		args []string
		want int64
	}{
		{args: []string{"--memory", "300MiB", "check"}, want: 300 << 20},
		{env: "1GiB", args: []string{"import", "--env", "dev"}, want: 1 << 30},
		{env: "1GiB", args: []string{"--memory", "64MB", "diff", "--env", "dev"}, want: 64e6},
		{args: []string{"fixup", "--env", "dev"}, want: defaultMemory},
		{args: []string{"--memory=2GiB", "check"}, want: 2 << 30},
		// serve runs imports in its own workers: the same budget applies
		// (--workers 0 is refused after the limit is set).
		{env: "512MiB", args: []string{"serve", "--workers", "0"}, want: 512 << 20},
	} {
		debug.SetMemoryLimit(before)
		runCLI(t, map[string]string{memoryEnv: tc.env, "HANDOVER_STATE": ""}, append([]string{"-C", dir}, tc.args...)...)
		if got := limit(); got != goLimit(tc.want) {
			t.Errorf("handover %s (HANDOVER_MEMORY=%q): limit %d, want %d", strings.Join(tc.args, " "), tc.env, got, tc.want)
		}
	}

	debug.SetMemoryLimit(before)
	runCLI(t, nil, "--memory", "300MiB", "version")
	if got := limit(); got != before {
		t.Errorf("handover version changed the memory limit to %d", got)
	}
}

func TestGoLimitLeavesRoomForWhatTheRuntimeDoesNotCount(t *testing.T) {
	for _, tc := range []struct{ budget, want int64 }{
		{256 << 20, 208 << 20},
		{64 << 20, 52 << 20},
		{4 << 30, 4<<30 - 64<<20},
	} {
		if got := goLimit(tc.budget); got != tc.want {
			t.Errorf("goLimit(%d) = %d, want %d", tc.budget, got, tc.want)
		}
	}
}

func TestMemoryLimitBadValue(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	dir := t.TempDir()
	for _, tc := range []struct {
		env  string
		args []string
		want string
	}{
		{args: []string{"--memory", "lots", "check"}, want: `--memory: "lots" is not a size`},
		{args: []string{"--memory", "1MB", "import", "--env", "dev"}, want: `--memory: "1MB" is too small`},
		{env: "256 M", args: []string{"worker"}, want: `HANDOVER_MEMORY: "256 M" is not a size`},
	} {
		code, _, stderr := runCLI(t, map[string]string{memoryEnv: tc.env}, append([]string{"-C", dir}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("handover %s: exit %d, stderr %q; want exit 2 with %q", strings.Join(tc.args, " "), code, stderr, tc.want)
		}
		if got := debug.SetMemoryLimit(-1); got != before {
			t.Errorf("handover %s: a bad value set the limit to %d", strings.Join(tc.args, " "), got)
		}
	}
}
