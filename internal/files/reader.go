package files

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
)

// checkedReader passes exactly size bytes through and fails the read that
// would complete them unless they hash to the expected SHA-256, so a store
// never finishes an upload of content other than what was announced. A
// longer or shorter input fails too. It can be rewound (Seek(0, 0)) when its
// source can, which lets an S3 client retry a single PUT.
type checkedReader struct {
	ctx    context.Context
	r      io.Reader
	size   int64
	want   string
	h      hash.Hash
	n      int64
	peeked bool  // the byte after size was checked
	failed error // a permanent failure: rewinding will not help
}

func newCheckedReader(ctx context.Context, r io.Reader, size int64, sha256hex string) io.Reader {
	c := &checkedReader{ctx: ctx, r: r, size: size, want: sha256hex, h: sha256.New()}
	if _, ok := r.(io.Seeker); ok {
		return &seekableCheckedReader{c}
	}
	return c
}

func (c *checkedReader) Read(p []byte) (int, error) {
	n, err := c.read(p)
	if err != nil && err != io.EOF && c.ctx.Err() == nil {
		c.failed = err
	}
	return n, err
}

func (c *checkedReader) read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	if c.n == c.size {
		return 0, c.finish()
	}
	if rest := c.size - c.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	if c.n == c.size {
		if ferr := c.finish(); ferr != io.EOF {
			return 0, ferr // withhold the last bytes: the upload must not complete
		}
		return n, nil
	}
	if err == io.EOF {
		return n, fmt.Errorf("source ended after %d of %d bytes", c.n, c.size)
	}
	return n, err
}

// finish checks the end of the input and its hash; io.EOF means all is well.
func (c *checkedReader) finish() error {
	if !c.peeked {
		var one [1]byte
		n, err := io.ReadFull(c.r, one[:])
		if n > 0 {
			return fmt.Errorf("source holds more than %d bytes", c.size)
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		c.peeked = true
	}
	if got := hex.EncodeToString(c.h.Sum(nil)); got != c.want {
		return fmt.Errorf("source has sha256 %s, expected %s", got, c.want)
	}
	return io.EOF
}

type seekableCheckedReader struct{ *checkedReader }

// Seek supports rewinding to the start only, and refuses after a
// permanent failure so that a client does not retry in vain.
func (s *seekableCheckedReader) Seek(offset int64, whence int) (int64, error) {
	if s.failed != nil {
		return 0, s.failed
	}
	if offset != 0 || whence != io.SeekStart {
		return 0, errors.New("checked reader can only rewind to the start")
	}
	if _, err := s.r.(io.Seeker).Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	s.h.Reset()
	s.n, s.peeked = 0, false
	return 0, nil
}

// progressReader adds the bytes read to a counter, taking them back when
// rewound.
type progressReader struct {
	r    io.Reader
	n    int64
	add  func(int64)
	seek io.Seeker // nil when r cannot seek
}

func newProgressReader(r io.Reader, add func(int64)) io.Reader {
	p := &progressReader{r: r, add: add}
	if s, ok := r.(io.Seeker); ok {
		p.seek = s
		return &seekableProgressReader{p}
	}
	return p
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n += int64(n)
	p.add(int64(n))
	return n, err
}

type seekableProgressReader struct{ *progressReader }

func (s *seekableProgressReader) Seek(offset int64, whence int) (int64, error) {
	pos, err := s.seek.Seek(offset, whence)
	if err != nil {
		return pos, err
	}
	s.add(pos - s.n)
	s.n = pos
	return pos, nil
}
