package engine

import (
	"context"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"runtime/trace"
	"slices"
	"time"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/report"
	"github.com/handover/handover/internal/source"
)

const loadBatchRows = 4096

// entityResult is one entity's outcome, for the protocol and the report.
type entityResult struct {
	counts  *protocol.Entity
	columns []string
	profile []report.ColumnProfile
	sample  []report.RejectRow
	// warnings about the rows the extraction no longer has (removal.go)
	warnings []string
	output   *protocol.Output // hashes of the valid rows and the rejects file
	examples []report.RuleExample
}

// runEntity streams one entity: accounts every row, writes its rejects and,
// for an import, loads its valid rows.
func runEntity(ctx context.Context, o *execution, pl *preparedEntity, st *runState) (*entityResult, error) {
	start := time.Now()
	e := pl.entity
	_, total := pl.reader.Progress()
	o.Progress.Start(e.Name, total)
	c := &protocol.Entity{Name: e.Name, Source: pl.file, RejectsByRule: map[string]int{}}
	res := &entityResult{counts: c, columns: pl.reader.Columns()}
	defer func() { c.Millis = time.Since(start).Milliseconds() }()

	if o.RefsFromEnvironment {
		if err := st.loadEnvKeys(ctx, o.tx, e); err != nil {
			return res, err
		}
	}
	rw, err := openRejects(o.Artifacts, e.Name, res.columns)
	if err != nil {
		return res, err
	}
	defer rw.close()
	outs, err := newOutputs(o.Artifacts, e)
	if err != nil {
		return res, err
	}
	defer outs.close()
	if rw.file != "" {
		c.Rejects = rw.file
	}
	prof := report.NewProfiler(res.columns)
	keys, err := st.entity(e)
	if err != nil {
		return res, err
	}
	trace.WithRegion(ctx, "skip index", func() { pl.skip, err = newSkipper(ctx, o, pl) })
	if err != nil {
		return res, err
	}
	if pl.skip != nil {
		keys.skip = pl.skip.index
		pl.refHints = newRefHints(e, pl.skip.cross, st)
		defer func() {
			pl.skip, pl.refHints = nil, refHints{} // the index is kept only as long as references to the entity need it
			if !referenced(o.spec.Format, e.Name) {
				keys.skip = nil
			}
		}()
	}
	if o.tx != nil {
		trace.WithRegion(ctx, "held values", func() { err = st.loadHeld(ctx, o.tx, e, keys) })
		if err != nil {
			return res, err
		}
	}
	ld := startLoad(ctx, o.tx, e)
	var skipped int64 // valid rows left out of the transform (skip.go)
	late := lateTransform{pl: pl}
	var unkeyed int64 // rejected rows without a readable key
	var examples ruleExamples

	profiled := profileBatches(prof, len(res.columns))
	defer profiled.close()
	region := trace.StartRegion(ctx, "stream")
	err = stream(ctx, pl, o.Workers, o.Progress, func(b *batch) error {
		profiled.add(b)
		hs := keys.prepare(e, st, b)
		for i := range b.rows {
			row, r := &b.rows[i], &b.results[i]
			c.Read++
			late.resolve(row, r)
			if r.filtered {
				c.Filtered++
				continue
			}
			ps, err := keys.check(e, st, row.Line, r, hs.row(i))
			if err != nil {
				return err
			}
			r.problems = append(r.problems, ps...)
			if len(r.problems) > 0 {
				c.Rejected++
				if keyless(e, r) {
					unkeyed++
				}
				for _, p := range r.problems {
					c.RejectsByRule[p.RuleKey()]++
				}
				examples.note(row.Line, row.Values, r.problems)
				bad := badColumns(pl, r.problems)
				if len(res.sample) < report.SampleRejects {
					res.sample = append(res.sample, report.RejectRow{Line: row.Line,
						Errors: report.JoinProblems(r.problems), Values: slices.Clone(row.Values), Columns: bad}) // the batch's values are reused
				}
				if err := rw.write(row.Line, r.problems, row.Values, bad); err != nil {
					return err
				}
				continue
			}
			c.Valid++
			if err := outs.add(row.Line, &r.digest); err != nil {
				return err
			}
			if r.skip > 0 {
				skipped++
				continue
			}
			rec := load.Record{Line: row.Line, Values: r.values, Fingerprint: r.digest, HasFingerprint: true}
			if pl.skip != nil {
				rec.Skip = pl.skip.record(r.raw, &r.digest, r.values)
			}
			if err := ld.add(rec); err != nil {
				return err
			}
		}
		return nil
	})
	region.End()
	if err != nil {
		ld.abort()
		return res, err
	}
	c.Repaired = source.Repairs(pl.reader)
	var counts load.Counts
	trace.WithRegion(ctx, "load finish", func() { counts, err = ld.finish() })
	if err != nil {
		return res, fmt.Errorf("load: %w", err)
	}
	c.Inserted, c.Updated, c.Unchanged, c.Removed = counts.Inserted, counts.Updated, counts.Unchanged+skipped, counts.Removed
	c.Skipped = skipped
	trace.WithRegion(ctx, "sweep", func() { res.warnings, err = sweep(ctx, o, e, keys, unkeyed, c) })
	if err != nil {
		return res, err
	}
	profiled.close()
	res.profile = prof.Profile()
	res.examples = examples.explain(o, pl, res.columns)
	if err := rw.close(); err != nil {
		return res, err
	}
	res.output, err = outs.finish(rw.hash)
	return res, err
}

// badColumns names the source columns behind the failing fields.
func badColumns(pl *preparedEntity, problems []format.Problem) []string {
	var out []string
	for _, p := range problems {
		if i := fieldIndex(pl.entity, p.Field); i >= 0 {
			out = append(out, pl.fieldColumns[i]...)
		}
	}
	return out
}

// rejectsFile writes one entity's rejects CSV and its cells sidecar.
type rejectsFile struct {
	file  string // relative to the artifacts directory; "" when not written
	f, fc *os.File
	w     *report.RejectsWriter
	hash  hash.Hash // sha256 of the file's bytes; nil when not written
}

func openRejects(artifacts, entity string, columns []string) (*rejectsFile, error) {
	if artifacts == "" {
		return &rejectsFile{}, nil
	}
	dir := filepath.Join(artifacts, "rejects")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create rejects directory: %w", err)
	}
	rel := report.RejectsPath(entity)
	f, err := os.Create(filepath.Join(artifacts, filepath.FromSlash(rel)))
	if err != nil {
		return nil, fmt.Errorf("create rejects file: %w", err)
	}
	fc, err := os.Create(filepath.Join(artifacts, filepath.FromSlash(report.CellsPath(entity))))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("create rejects file: %w", err)
	}
	h := sha256.New()
	w, err := report.NewRejectsWriter(io.MultiWriter(f, h), columns, fc)
	if err != nil {
		f.Close()
		fc.Close()
		return nil, err
	}
	return &rejectsFile{file: rel, f: f, fc: fc, w: w, hash: h}, nil
}

func (r *rejectsFile) write(line int, ps []format.Problem, values, bad []string) error {
	if r.w == nil {
		return nil
	}
	return r.w.Write(line, ps, values, bad)
}

func (r *rejectsFile) close() error {
	if r.w == nil {
		return nil
	}
	err := r.w.Close()
	for _, f := range []*os.File{r.f, r.fc} {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	r.w = nil
	if err != nil {
		return fmt.Errorf("write rejects: %w", err)
	}
	return nil
}
