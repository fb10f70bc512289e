package app

import (
	"github.com/handover/handover/internal/engine"
	"github.com/handover/handover/internal/files"
)

// Progress is the counters object of one run that a front end draws: the
// command line as a bar, the server as a stream. A caller passes it in the
// request and samples it while the use case runs; it is safe for
// concurrent use.
type Progress struct {
	rows  engine.Progress
	files files.Progress
}

// ProgressSnapshot is what a run has done so far. Phase is the entity being
// read ("" before the first), or "files" during a file transfer.
type ProgressSnapshot struct {
	Phase                 string
	Rows                  int64 // rows read of Phase's entity
	FilesDone, FilesTotal int64 // a file transfer's files
	BytesDone, BytesTotal int64 // of the entity's source file, or of the transfer
}

// Snapshot reads the counters; a nil Progress reads as zero.
func (p *Progress) Snapshot() ProgressSnapshot {
	if p == nil {
		return ProgressSnapshot{}
	}
	if f := p.files.Snapshot(); f.BytesTotal > 0 || f.FilesTotal > 0 {
		return ProgressSnapshot{Phase: "files", FilesDone: f.FilesDone, FilesTotal: f.FilesTotal,
			BytesDone: f.BytesDone, BytesTotal: f.BytesTotal}
	}
	r := p.rows.Snapshot()
	return ProgressSnapshot{Phase: r.Entity, Rows: r.Rows, BytesDone: r.BytesDone, BytesTotal: r.BytesAll}
}

func (p *Progress) engine() *engine.Progress {
	if p == nil {
		return nil
	}
	return &p.rows
}

func (p *Progress) transfer() *files.Progress {
	if p == nil {
		return nil
	}
	return &p.files
}
