package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultParallel is how many files a sync transfers at once.
const DefaultParallel = 4

// ApplyOptions tune Apply.
type ApplyOptions struct {
	Parallel int       // concurrent transfers; default DefaultParallel
	Delete   bool      // remove the destination's extra files
	Progress *Progress // optional counters for a front end
}

// Progress is the counters a front end draws: the CLI as a bar, the server
// as a stream. Every field is safe for concurrent use.
type Progress struct {
	FilesTotal atomic.Int64 // uploads and deletions Apply will do
	FilesDone  atomic.Int64 // finished, failed ones included
	BytesTotal atomic.Int64
	BytesDone  atomic.Int64
	Failed     atomic.Int64
}

// ProgressSnapshot is a copy of the counters.
type ProgressSnapshot struct {
	FilesTotal, FilesDone, BytesTotal, BytesDone, Failed int64
}

// Snapshot reads the counters; a nil Progress reads as zero.
func (p *Progress) Snapshot() ProgressSnapshot {
	if p == nil {
		return ProgressSnapshot{}
	}
	return ProgressSnapshot{p.FilesTotal.Load(), p.FilesDone.Load(), p.BytesTotal.Load(), p.BytesDone.Load(), p.Failed.Load()}
}

// Result is what Apply did.
type Result struct {
	Uploaded  Count       `json:"uploaded"`  // new and changed files stored
	New       Count       `json:"new"`       // of those, new
	Changed   Count       `json:"changed"`   // of those, overwritten
	Unchanged Count       `json:"unchanged"` // left alone
	Deleted   Count       `json:"deleted"`   // extra files removed
	Kept      Count       `json:"kept"`      // extra files kept (no Delete)
	Failed    []FileError `json:"failed,omitempty"`
	Warnings  []string    `json:"warnings,omitempty"` // e.g. the S3 hash index could not be written
	Started   time.Time   `json:"started"`
	Finished  time.Time   `json:"finished"`
	Millis    int64       `json:"millis"`
}

// FileError is one file that could not be transferred or removed.
type FileError struct {
	Path  string `json:"path"`
	Op    string `json:"op"` // "upload" or "delete"
	Error string `json:"error"`
}

// SyncError reports the files that failed; the others were transferred.
type SyncError struct {
	Failed []FileError
	Total  int // transfers attempted
}

func (e *SyncError) Error() string {
	first := e.Failed[0]
	msg := fmt.Sprintf("file sync: %d of %d transfers failed: %s", len(e.Failed), e.Total, first.Error)
	if len(e.Failed) > 1 {
		msg += fmt.Sprintf(" (and %d more)", len(e.Failed)-1)
	}
	return msg
}

type job struct {
	e      Entry
	delete bool
}

// Apply executes a plan: it uploads new and changed files in parallel,
// largest first, and removes extra files only with Delete. A failed file
// does not stop the others; the error then is a *SyncError listing them
// all, next to a Result that counts what was done. A canceled ctx stops the
// sync; every upload is atomic, so planning and applying again finishes it.
func Apply(ctx context.Context, plan *SyncPlan, dst Store, opts ApplyOptions) (*Result, error) {
	if plan.SrcRoot == "" && plan.SrcOpen == nil && plan.Summary.New.Files+plan.Summary.Changed.Files > 0 {
		return nil, errors.New("file sync: the plan has no source directory")
	}
	res := &Result{Started: time.Now(), Unchanged: plan.Summary.Unchanged}
	jobs := collectJobs(plan, opts.Delete, res)
	if p := opts.Progress; p != nil {
		p.FilesTotal.Add(int64(len(jobs)))
		for _, j := range jobs {
			if !j.delete {
				p.BytesTotal.Add(j.e.Size)
			}
		}
	}
	var mu sync.Mutex
	run(ctx, jobs, opts.Parallel, func(j job) {
		err := transfer(ctx, plan, dst, j, opts.Progress)
		mu.Lock()
		defer mu.Unlock()
		record(res, j, err)
		if p := opts.Progress; p != nil {
			p.FilesDone.Add(1)
			if err != nil {
				p.Failed.Add(1)
			}
		}
	})
	if err := flush(ctx, dst); err != nil {
		res.Warnings = append(res.Warnings, err.Error())
	}
	res.Finished = time.Now()
	res.Millis = res.Finished.Sub(res.Started).Milliseconds()
	sort.Slice(res.Failed, func(i, j int) bool { return res.Failed[i].Path < res.Failed[j].Path })
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("file sync interrupted after %d of %d transfers: %w", res.Uploaded.Files+res.Deleted.Files, len(jobs), err)
	}
	if len(res.Failed) > 0 {
		return res, &SyncError{Failed: res.Failed, Total: len(jobs)}
	}
	return res, nil
}

// flush persists a store's caches, also after ctx was canceled.
func flush(ctx context.Context, dst Store) error {
	f, ok := dst.(Flusher)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	return f.Flush(ctx)
}

// collectJobs lists the uploads, largest first, then the deletions.
func collectJobs(plan *SyncPlan, del bool, res *Result) []job {
	var up, rm []job
	for _, e := range plan.Entries {
		switch {
		case e.Action == ActionNew || e.Action == ActionChanged:
			up = append(up, job{e: e})
		case e.Action == ActionExtra && del:
			rm = append(rm, job{e: e, delete: true})
		case e.Action == ActionExtra:
			res.Kept.add(e.Size)
		}
	}
	sort.SliceStable(up, func(i, j int) bool { return up[i].e.Size > up[j].e.Size })
	return append(up, rm...)
}

// run calls fn for each item on up to parallel goroutines, in order, until
// ctx is canceled.
func run[T any](ctx context.Context, items []T, parallel int, fn func(T)) {
	if parallel <= 0 {
		parallel = DefaultParallel
	}
	next := make(chan T)
	var wg sync.WaitGroup
	for range min(parallel, len(items)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				if ctx.Err() == nil { // once canceled, drain without starting more
					fn(j)
				}
			}
		}()
	}
	for _, j := range items {
		if ctx.Err() != nil {
			break
		}
		select {
		case next <- j:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
}

func transfer(ctx context.Context, plan *SyncPlan, dst Store, j job, p *Progress) error {
	if j.delete {
		return dst.Remove(ctx, j.e.Path)
	}
	var f io.ReadCloser
	var err error
	if plan.SrcOpen != nil {
		f, err = plan.SrcOpen(ctx, j.e.Source)
	} else {
		f, err = os.Open(filepath.Join(plan.SrcRoot, filepath.FromSlash(j.e.Source)))
	}
	if err != nil {
		return fmt.Errorf("read extraction file: %w", err)
	}
	defer f.Close()
	var r io.Reader = f
	if p != nil {
		r = newProgressReader(f, func(n int64) { p.BytesDone.Add(n) })
	}
	return dst.Put(ctx, j.e.Path, r, j.e.Size, j.e.SHA256)
}

func record(res *Result, j job, err error) {
	switch {
	case err != nil && j.delete:
		res.Failed = append(res.Failed, FileError{Path: j.e.Path, Op: "delete", Error: err.Error()})
	case err != nil:
		res.Failed = append(res.Failed, FileError{Path: j.e.Path, Op: "upload", Error: err.Error()})
	case j.delete:
		res.Deleted.add(j.e.Size)
	case j.e.Action == ActionNew:
		res.Uploaded.add(j.e.Size)
		res.New.add(j.e.Size)
	default:
		res.Uploaded.add(j.e.Size)
		res.Changed.add(j.e.Size)
	}
}
