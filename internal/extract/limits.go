package extract

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Limits bound what an archive may unpack to, against zip bombs. They
// are checked on the bytes actually unpacked, while streaming, never only
// on the sizes an archive declares.
type Limits struct {
	// MaxSize is the most bytes one archive may unpack to (and so one
	// member); 0 means DefaultMaxSize.
	MaxSize int64
	// MaxRatio: an archive unpacks to at most MaxRatio times its own size
	// (and at least ratioFloor); 0 means DefaultMaxRatio.
	MaxRatio int64
}

const (
	// DefaultMaxSize is the default of Limits.MaxSize (receive --max-size).
	DefaultMaxSize = 16 << 30
	// DefaultMaxRatio is the default of Limits.MaxRatio.
	DefaultMaxRatio = 20
	// memberRatio bounds one zip member against its compressed size.
	memberRatio = 100
	// ratioFloor is what an archive or member may always unpack to: small
	// deliveries of very compressible text are no bombs.
	ratioFloor = 16 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxSize <= 0 {
		l.MaxSize = DefaultMaxSize
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultMaxRatio
	}
	return l
}

// WithLimits returns a store that receives with the given limits.
func (s *Store) WithLimits(l Limits) *Store {
	c := *s
	c.limits = l
	return &c
}

// budget is what is left of one archive's limits while it is unpacked.
type budget struct {
	limits  Limits
	archive int64 // the archive's size
	used    int64 // bytes unpacked so far
}

func newBudget(l Limits, archiveSize int64) *budget {
	return &budget{limits: l.withDefaults(), archive: archiveSize}
}

// total is the most the whole archive may unpack to, and why.
func (b *budget) total() (int64, string) {
	byRatio := max(b.limits.MaxRatio*b.archive, ratioFloor)
	if byRatio < b.limits.MaxSize {
		return byRatio, fmt.Sprintf("more than %d× the archive's %s: refused as a possible zip bomb (raise --max-ratio if the delivery is genuine)",
			b.limits.MaxRatio, humanSize(b.archive))
	}
	return b.limits.MaxSize, fmt.Sprintf("more than --max-size %s", humanSize(b.limits.MaxSize))
}

// member wraps the reader of one member. compressed is the member's
// compressed size when the archive compresses members one by one (zip),
// 0 otherwise.
func (b *budget) member(name string, r io.Reader, compressed int64) io.Reader {
	limit, why := b.total()
	limit -= b.used
	if compressed > 0 {
		if byRatio := max(memberRatio*compressed, ratioFloor); byRatio < limit {
			limit = byRatio
			why = fmt.Sprintf("more than %d× its compressed %s: refused as a possible zip bomb", memberRatio, humanSize(compressed))
		}
	}
	return &boundedReader{r: r, b: b, left: limit, fail: func() error {
		return fmt.Errorf("member %q unpacks to %s", name, why)
	}}
}

// boundedReader fails once more than left bytes came through.
type boundedReader struct {
	r    io.Reader
	b    *budget
	left int64
	fail func() error
}

func (r *boundedReader) Read(p []byte) (int, error) {
	if int64(len(p)) > r.left+1 {
		p = p[:r.left+1]
	}
	n, err := r.r.Read(p)
	r.left -= int64(n)
	r.b.used += int64(n)
	if r.left < 0 {
		return 0, r.fail()
	}
	return n, err
}

// humanSize writes a byte count for a message.
func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

// ParseSize reads a byte count like "500MB", "16GiB" or "1048576"
// (decimal and binary units, case-insensitive).
func ParseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	units := []struct {
		suffix string
		mult   int64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
		{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12}, {"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"b", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f <= 0 || f*float64(mult) > math.MaxInt64/2 {
		return 0, fmt.Errorf("%q is not a size (like 500MB or 16GiB)", s)
	}
	return int64(f * float64(mult)), nil
}
