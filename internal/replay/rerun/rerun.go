// Package rerun re-executes a past run (a replay.Request) as a dry run
// without a target and compares its outputs with the recorded ones: the
// sha256 of every entity's valid rows and rejects file, and the first row
// that differs.
package rerun

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/handover/handover/internal/engine"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/replay"
	"github.com/handover/handover/internal/report"
)

// runCheck is the engine's check; a test sees the options it is given.
var runCheck = engine.Check

// Replay re-executes the run as a dry run without a target and compares
// its outputs with the recorded ones.
func Replay(ctx context.Context, req replay.Request) (*replay.Result, error) {
	if len(req.Run.Outputs) == 0 {
		return nil, fmt.Errorf("replay run %d: its protocol records no output hashes (the run predates them, or failed before any entity)", req.Run.Run)
	}
	if err := sameInputs(req.Run.Hashes, req.Project.Hashes); err != nil {
		return nil, fmt.Errorf("replay run %d: %w", req.Run.Run, err)
	}
	p, err := engine.Written(runCheck(ctx, engine.SpecOf(req.Project), engine.Options{
		Extraction: req.Extraction, Run: req.Run.Run, Memory: req.Memory,
		Artifacts: req.Scratch, DryRun: true, Version: req.Version, Workers: req.Workers, Now: time.Now,
	}))
	if err != nil {
		return nil, fmt.Errorf("replay run %d: %w", req.Run.Run, err)
	}
	res := &replay.Result{Run: req.Run.Run, Identical: true, Entities: []replay.Entity{}}
	for _, e := range req.Run.Entities {
		rec := req.Run.Outputs[e.Name]
		if rec == nil {
			continue
		}
		got := p.Outputs[e.Name]
		ent := replay.Entity{Name: e.Name, Recorded: rec, Replayed: got, Identical: got != nil && *got == *rec}
		res.Entities = append(res.Entities, ent)
		if ent.Identical {
			continue
		}
		res.Identical = false
		if res.First == nil {
			res.First = firstDifference(req, e, rec, got)
		}
	}
	return res, nil
}

// firstDifference finds the first row that differs in one entity.
func firstDifference(req replay.Request, e *protocol.Entity, rec, got *protocol.Output) *replay.Mismatch {
	if got == nil {
		return &replay.Mismatch{Entity: e.Name, Output: "valid", Detail: "the replay produced no rows for the entity"}
	}
	if rec.Valid != got.Valid {
		rel := filepath.FromSlash(engine.OutputRowsPath(e.Name))
		line, detail := firstRowDigest(filepath.Join(req.Artifacts, rel), filepath.Join(req.Scratch, rel))
		return &replay.Mismatch{Entity: e.Name, Output: "valid", Line: line, Detail: detail}
	}
	rel := filepath.FromSlash(report.RejectsPath(e.Name))
	line, detail := firstReject(filepath.Join(req.Artifacts, rel), filepath.Join(req.Scratch, rel))
	return &replay.Mismatch{Entity: e.Name, Output: "rejects", Line: line, Detail: detail}
}

// firstRowDigest compares two row digest files record by record.
func firstRowDigest(a, b string) (int, string) {
	fa, err := os.Open(a)
	if err != nil {
		return 0, "the run's row digests cannot be read: " + err.Error()
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return 0, "the replay's row digests cannot be read: " + err.Error()
	}
	defer fb.Close()
	ra, rb := bufio.NewReader(fa), bufio.NewReader(fb)
	var x, y [engine.RowDigestSize]byte
	for {
		_, ea := io.ReadFull(ra, x[:])
		_, eb := io.ReadFull(rb, y[:])
		la, lb := int(binary.BigEndian.Uint32(x[:4])), int(binary.BigEndian.Uint32(y[:4]))
		switch {
		case ea != nil && eb != nil:
			return 0, "the valid rows hash differently but their digests agree"
		case ea != nil:
			return lb, "the replay accepts this row; the run did not"
		case eb != nil:
			return la, "the run accepted this row; the replay does not"
		case lb < la:
			return lb, "the replay accepts this row; the run did not"
		case la < lb:
			return la, "the run accepted this row; the replay does not"
		case x != y:
			return la, "the row's normalised values differ"
		}
	}
}

// firstReject compares two rejects files row by row, streaming.
func firstReject(a, b string) (int, string) {
	ra, closeA, err := rejectReader(a)
	if err != nil {
		return 0, "the run's rejects cannot be read: " + err.Error()
	}
	defer closeA()
	rb, closeB, err := rejectReader(b)
	if err != nil {
		return 0, "the replay's rejects cannot be read: " + err.Error()
	}
	defer closeB()
	for {
		x, ea := ra.Read()
		y, eb := rb.Read()
		switch {
		case ea != nil && eb != nil:
			return 0, "the rejects files differ in their bytes only"
		case ea != nil:
			return lineOf(y), "the replay rejects this row; the run did not"
		case eb != nil:
			return lineOf(x), "the run rejected this row; the replay does not"
		case !equal(x, y):
			return lineOf(x), fmt.Sprintf("run: %q; replay: %q", field(x, 1), field(y, 1))
		}
	}
}

// rejectReader opens a rejects CSV past its header.
func rejectReader(path string) (*csv.Reader, func(), error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReader(f)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\ufeff")) {
		br.Discard(3)
	}
	r := csv.NewReader(br)
	r.FieldsPerRecord = -1
	if _, err := r.Read(); err != nil {
		f.Close()
		return nil, nil, err
	}
	return r, func() { f.Close() }, nil
}

func lineOf(rec []string) int {
	n, _ := strconv.Atoi(field(rec, 0))
	return n
}

func field(rec []string, i int) string {
	if i < len(rec) {
		return rec[i]
	}
	return ""
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// sameInputs checks that the restored inputs hash as the run recorded:
// the archive holds what the run read.
func sameInputs(rec protocol.Hashes, got project.Hashes) error {
	for _, h := range []struct{ what, rec, got string }{
		{"recipes", rec.Recipes, got.Recipes}, {"format", rec.Format, got.Format}, {"lookups", rec.Lookups, got.Lookups},
	} {
		if h.rec != "" && h.rec != h.got {
			return fmt.Errorf("the archived %s hash %s, the run recorded %s", h.what, h.got, h.rec)
		}
	}
	return nil
}
