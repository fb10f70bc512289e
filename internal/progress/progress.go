// Package progress holds the row counters of a run that the engine advances
// and a front end samples; internal/engine aliases them.
package progress

import "sync/atomic"

// Progress is the counters object a front end draws: the CLI as a bar, the
// server as a stream. All fields are safe for concurrent use.
type Progress struct {
	entity    atomic.Pointer[string]
	rows      atomic.Int64
	bytesDone atomic.Int64
	bytesAll  atomic.Int64
}

// Snapshot is a consistent-enough view of the counters.
type Snapshot struct {
	Entity    string
	Rows      int64
	BytesDone int64
	BytesAll  int64
}

// Snapshot reads the counters.
func (p *Progress) Snapshot() Snapshot {
	if p == nil {
		return Snapshot{}
	}
	s := Snapshot{Rows: p.rows.Load(), BytesDone: p.bytesDone.Load(), BytesAll: p.bytesAll.Load()}
	if e := p.entity.Load(); e != nil {
		s.Entity = *e
	}
	return s
}

// Start begins an entity of total bytes.
func (p *Progress) Start(entity string, total int64) {
	if p == nil {
		return
	}
	p.entity.Store(&entity)
	p.rows.Store(0)
	p.bytesDone.Store(0)
	p.bytesAll.Store(total)
}

// Advance counts rows read and the bytes done so far.
func (p *Progress) Advance(rows int, done int64) {
	if p == nil {
		return
	}
	p.rows.Add(int64(rows))
	p.bytesDone.Store(done)
}
