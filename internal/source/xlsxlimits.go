package source

import (
	"bytes"
	"fmt"
	"io"
)

// Limits that keep a small hostile workbook from taking a lot of memory.
const (
	// maxMarkupRun is the most bytes a sheet or string table may hold
	// without a '<': one text node or tag. Excel's own cell limit is 32,767
	// characters.
	maxMarkupRun = 1 << 20
	// maxPartBytes bounds the small parts decoded whole (workbook, styles,
	// relationships).
	maxPartBytes = 32 << 20
	// stringsBase and stringsPerByte give the shared-string budget: the
	// text plus a per-item overhead may take stringsBase plus
	// stringsPerByte times the workbook's size.
	stringsBase    = 16 << 20
	stringsPerByte = 4
	stringOverhead = 24 // a string header plus allocation slack
)

// sharedStringsBudget is how much memory the shared string table of a
// workbook of size bytes may take.
func sharedStringsBudget(size int64) int64 { return stringsBase + stringsPerByte*size }

// markupGuard fails a read once more than maxMarkupRun bytes passed
// without a '<', so that the XML decoder never buffers one huge token.
type markupGuard struct {
	r   io.Reader
	run int
}

func (g *markupGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for rest := p[:n]; len(rest) > 0; {
		i := bytes.IndexByte(rest, '<')
		if i < 0 {
			g.run += len(rest)
			break
		}
		if g.run += i; g.run > maxMarkupRun {
			break
		}
		g.run, rest = 0, rest[i+1:]
	}
	if g.run > maxMarkupRun {
		return 0, fmt.Errorf("more than %d MB of text without markup", maxMarkupRun>>20)
	}
	return n, err
}

// partLimit fails a read past maxPartBytes.
type partLimit struct {
	r    io.Reader
	n    int64
	name string
}

func (l *partLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > maxPartBytes {
		return 0, fmt.Errorf("part %s is larger than %d MB", l.name, maxPartBytes>>20)
	}
	return n, err
}
