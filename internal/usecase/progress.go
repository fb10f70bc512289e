package usecase

import (
	"github.com/handover/handover/internal/files"
	"github.com/handover/handover/internal/progress"
)

// Progress is the counters object of one run that a front end draws: the
// command line as a bar, the server as a stream. A caller passes it in the
// request and samples it while the use case runs; it is safe for
// concurrent use.
type Progress struct {
	rows  progress.Progress
	files files.Progress
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

// Rows are the row counters the engine advances; nil for a nil Progress.
func (p *Progress) Rows() *progress.Progress {
	if p == nil {
		return nil
	}
	return &p.rows
}

// Files are the counters of a file transfer; nil for a nil Progress.
func (p *Progress) Files() *files.Progress {
	if p == nil {
		return nil
	}
	return &p.files
}

// ProgressSnapshot is what a run has done so far. Phase is the entity being
// read ("" before the first), or "files" during a file transfer.
type ProgressSnapshot struct {
	Phase      string `json:"phase"`
	Rows       int64  `json:"rows"`        // rows read of Phase's entity
	FilesDone  int64  `json:"files_done"`  // a file transfer's files
	FilesTotal int64  `json:"files_total"` //
	BytesDone  int64  `json:"bytes_done"`  // of the entity's source file, or of the transfer
	BytesTotal int64  `json:"bytes_total"` //
}
