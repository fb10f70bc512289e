package engine

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/handover/handover/internal/fixup"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/report"
)

// runFixups runs the project's fix-up rules at the end of an import, in
// its transaction, once every entity is loaded: a reference to a row
// loaded later in the same run resolves too.
func runFixups(ctx context.Context, o *execution, p *protocol.Protocol) error {
	if o.tx == nil || o.kind != protocol.KindImport || len(o.spec.Fixups) == 0 {
		return nil
	}
	if err := applyFixups(ctx, o.tx, o.spec.Fixups, o.Artifacts, p); err != nil {
		return fmt.Errorf("%s: %w", o.kind, err)
	}
	return nil
}

// prepareFixups tells an import's transaction its fix-up rules before the
// loads, so that they can rewrite the links whose target is known when a
// row is written (load.FixupPreparer); the pass after the loads does the
// rest.
func prepareFixups(o *execution) {
	if o.tx == nil || o.kind != protocol.KindImport || len(o.spec.Fixups) == 0 {
		return
	}
	if fp, ok := o.tx.(load.FixupPreparer); ok {
		fp.PrepareFixups(o.spec.Fixups)
	}
}

// Fixup is a fixup run: the spec's fix-up rules re-run on the
// environment's current rows in tx, which the caller commits or (for a dry
// run) rolls back. o.Extraction may be nil. Its rejects/fixups.csv is
// written while it runs; protocol.json and report.html once the caller has
// settled it (Outcome.WriteArtifacts, or Written).
func Fixup(ctx context.Context, spec *Spec, tx load.Tx, o Options) (*Outcome, error) {
	return executeFixup(ctx, &execution{Options: o, spec: spec, kind: protocol.KindFixup, tx: tx})
}

func executeFixup(ctx context.Context, o *execution) (*Outcome, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	h := o.spec.Hashes
	p := &protocol.Protocol{
		Run: o.Run, Kind: o.kind, Env: o.Env, Status: protocol.StatusRunning, DryRun: o.DryRun,
		Started: o.Now().UTC(), Version: o.Version,
		Hashes:   protocol.Hashes{Recipes: h.Recipes, Format: h.Format, Lookups: h.Lookups, Fixups: h.Fixups, Inputs: map[string]string{}},
		Entities: []*protocol.Entity{},
		Gate:     protocol.Gate{Passed: true, Checks: []protocol.Check{}},
		Fixups:   []*protocol.Fixup{},
	}
	if o.Extraction != nil {
		p.Extraction = o.Extraction.Number
	}
	var err error
	switch {
	case o.tx == nil:
		err = fmt.Errorf("fix-up: no environment transaction")
	case len(o.spec.Fixups) == 0:
		p.Warnings = append(p.Warnings, "no fix-up rules: declare them under fixups: in a recipe or in handover.yaml")
	default:
		err = applyFixups(ctx, o.tx, o.spec.Fixups, o.Artifacts, p)
	}
	return finish(o, p, nil, err)
}

// applyFixups runs the rules in tx, lists the unresolved matches in the
// artifacts' rejects/fixups.csv and records the counts in p.
func applyFixups(ctx context.Context, tx load.Tx, rules []*fixup.Rule, artifacts string, p *protocol.Protocol) error {
	fx, ok := tx.(load.Fixer)
	if !ok {
		return fmt.Errorf("fix-up: the environment's database cannot run fix-up rules")
	}
	w, err := openFixupRejects(artifacts)
	if err != nil {
		return err
	}
	counts, err := fx.Fixup(ctx, rules, w.write)
	if cerr := w.close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	p.Fixups = fixupCounts(rules, counts)
	for _, c := range counts {
		if c.Again != "" {
			p.Warnings = append(p.Warnings, fmt.Sprintf("fix-up %s: its match finds its own rewritten text again (%q); the next run would rewrite it once more — make match exclude the rewritten form", c.Rule, c.Again))
		}
	}
	for _, f := range p.Fixups {
		if f.Unresolved > 0 {
			p.Warnings = append(p.Warnings, fmt.Sprintf("fix-up %s: %d of %d matches in %s.%s left unresolved (listed in %s)",
				f.Rule, f.Unresolved, f.Matches, f.Entity, f.Field, protocol.FixupRejects))
		}
	}
	return nil
}

// fixupCounts lists what each rule did, in rule order.
func fixupCounts(rules []*fixup.Rule, counts []fixup.Counts) []*protocol.Fixup {
	byRule := map[string]fixup.Counts{}
	for _, c := range counts {
		byRule[c.Rule] = c
	}
	out := make([]*protocol.Fixup, 0, len(rules))
	for _, r := range rules {
		c := byRule[r.Name]
		out = append(out, &protocol.Fixup{Rule: r.Name, Entity: r.On, Field: r.Field,
			Matches: c.Matches, Rewritten: c.Rewritten, Unresolved: c.Unresolved, Rows: c.Rows})
	}
	return out
}

// fixupRejects writes rejects/fixups.csv: entity, key, field, text (the
// match left as it was), rule, reason; UTF-8 with a byte order mark, CRLF
// line ends, cells neutralised against formula injection, like the
// entities' rejects.
type fixupRejects struct {
	f   *os.File
	csv *report.CSVWriter
}

func openFixupRejects(artifacts string) (*fixupRejects, error) {
	if artifacts == "" {
		return &fixupRejects{}, nil
	}
	path := filepath.Join(artifacts, filepath.FromSlash(protocol.FixupRejects))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create rejects directory: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", protocol.FixupRejects, err)
	}
	w := &fixupRejects{f: f, csv: report.NewCSVWriter(f)}
	if _, err := io.WriteString(f, "\ufeff"); err != nil {
		f.Close()
		return nil, fmt.Errorf("write %s: %w", protocol.FixupRejects, err)
	}
	if err := w.record("entity", "key", "field", "text", "rule", "reason"); err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

func (w *fixupRejects) write(u fixup.Unresolved) error {
	if w.csv == nil {
		return nil
	}
	return w.record(u.Entity, u.Key, u.Field, u.Text, u.Rule, u.Reason)
}

func (w *fixupRejects) record(cells ...string) error {
	for i, c := range cells {
		cells[i] = report.Neutralize(c)
	}
	if err := w.csv.Write(cells); err != nil {
		return fmt.Errorf("write %s: %w", protocol.FixupRejects, err)
	}
	return nil
}

func (w *fixupRejects) close() error {
	if w.f == nil {
		return nil
	}
	err := w.csv.Flush()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	w.f = nil
	if err != nil {
		return fmt.Errorf("write %s: %w", protocol.FixupRejects, err)
	}
	return nil
}
