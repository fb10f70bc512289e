package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
)

// valueLog is an append-only file of the values a keyIndex holds, with the
// line each first appeared on: the index keeps only a value's hash and its
// place in the log, and reads the value back to verify a hash match, so a
// collision of two hashes is never taken for a duplicate. Records are
// 8-byte aligned (line uint32, length uint32, the bytes, padding), so a
// uint32 holds any record's offset / 8 in a log of up to 32 GiB.
type valueLog struct {
	f     *os.File
	buf   []byte // records not yet written, starting at offset base
	base  int64
	cache pageCache
}

const (
	logFlush    = 64 << 10
	maxLogBytes = 8 << 32
)

func newValueLog(dir string) (*valueLog, error) {
	f, err := tempFile(dir, "handover-keys-*")
	if err != nil {
		return nil, fmt.Errorf("create the key log: %w", err)
	}
	return &valueLog{f: f, buf: make([]byte, 0, logFlush)}, nil
}

// append writes a record and returns its offset / 8.
func (l *valueLog) append(v string, line int) (uint32, error) {
	off := l.base + int64(len(l.buf))
	if off+int64(8+len(v)) > maxLogBytes {
		return 0, errors.New("the key log is over 32 GiB: too many or too long key and unique values")
	}
	if line < 0 || line > 1<<32-1 {
		line = 0
	}
	l.buf = binary.LittleEndian.AppendUint32(l.buf, uint32(line))
	l.buf = binary.LittleEndian.AppendUint32(l.buf, uint32(len(v)))
	l.buf = append(l.buf, v...)
	for len(l.buf)%8 != 0 {
		l.buf = append(l.buf, 0)
	}
	if len(l.buf) >= logFlush {
		if err := l.flush(); err != nil {
			return 0, err
		}
	}
	return uint32(off / 8), nil
}

func (l *valueLog) flush() error {
	if len(l.buf) == 0 {
		return nil
	}
	if _, err := l.f.WriteAt(l.buf, l.base); err != nil {
		return fmt.Errorf("write the key log: %w", err)
	}
	l.cache.forget(l.base >> pageBits) // it may hold the page's old end
	l.base += int64(len(l.buf))
	l.buf = l.buf[:0]
	return nil
}

// equal reports whether the record at off holds v, and its line.
func (l *valueLog) equal(off uint32, v string) (bool, int, error) {
	head, err := l.read(int64(off)*8, 8)
	if err != nil {
		return false, 0, err
	}
	line, n := int(binary.LittleEndian.Uint32(head)), int(binary.LittleEndian.Uint32(head[4:]))
	if n != len(v) {
		return false, line, nil
	}
	b, err := l.read(int64(off)*8+8, n)
	if err != nil {
		return false, line, err
	}
	return string(b) == v, line, nil
}

// record returns the line field and the bytes of the record at off.
func (l *valueLog) record(off uint32) (int, []byte, error) {
	head, err := l.read(int64(off)*8, 8)
	if err != nil {
		return 0, nil, err
	}
	line, n := int(binary.LittleEndian.Uint32(head)), int(binary.LittleEndian.Uint32(head[4:]))
	b, err := l.read(int64(off)*8+8, n)
	return line, b, err
}

// read returns n bytes at off: from the unwritten buffer, a cached page, or
// the file. The result is valid until the next call.
func (l *valueLog) read(off int64, n int) ([]byte, error) {
	if off >= l.base {
		return l.buf[off-l.base : off-l.base+int64(n)], nil
	}
	if off+int64(n) > l.base { // straddles the buffer: write it first
		if err := l.flush(); err != nil {
			return nil, err
		}
	}
	if b := l.cache.get(l.f, off, n); b != nil {
		return b, nil
	}
	b := make([]byte, n)
	if _, err := l.f.ReadAt(b, off); err != nil {
		return nil, fmt.Errorf("read the key log: %w", err)
	}
	return b, nil
}

func (l *valueLog) close() error { return removeFile(l.f) }

// pageCache keeps recently read 4 KiB pages of a log, direct-mapped: a
// reference resolves to the same few thousand keys again and again. A slot
// takes memory when it is first used, so a log read only now and then (for
// a duplicate) holds a few pages, and the log of a referenced entity's keys
// up to pageSlots of them (the 100,000 keys of the benchmark's structures:
// all of them).
type pageCache struct {
	tags  []int64  // page number + 1; 0: empty
	pages [][]byte // per slot; nil until used
}

const (
	pageBits  = 12
	pageSize  = 1 << pageBits
	pageSlots = 1024 // up to 4 MiB per log
)

// get returns n bytes at off when they lie in one page, reading the page
// in on a miss; nil when they do not or the page cannot be read.
func (c *pageCache) get(f *os.File, off int64, n int) []byte {
	page := off >> pageBits
	if (off+int64(n)-1)>>pageBits != page {
		return nil
	}
	if c.tags == nil {
		c.tags, c.pages = make([]int64, pageSlots), make([][]byte, pageSlots)
	}
	s := int(page % pageSlots)
	if c.pages[s] == nil {
		c.pages[s] = make([]byte, pageSize)
	}
	p := c.pages[s]
	if c.tags[s] != page+1 {
		m, err := f.ReadAt(p, page*pageSize)
		if m < int(off-page*pageSize)+n {
			_ = err // short: the caller reads the file itself
			c.tags[s] = 0
			return nil
		}
		c.tags[s] = page + 1
	}
	start := int(off - page*pageSize)
	return p[start : start+n]
}

// forget drops page from the cache.
func (c *pageCache) forget(page int64) {
	if c.tags != nil && c.tags[page%pageSlots] == page+1 {
		c.tags[page%pageSlots] = 0
	}
}
