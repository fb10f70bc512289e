package memory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
)

// target is an open database of a Store.
type target struct {
	db   *db
	opts load.Options
}

// Close does nothing: the database lives as long as its Store.
func (t *target) Close() error { return nil }

// Begin takes the database's lock, then sets up the bookkeeping and the
// target tables on a copy of the state that Commit puts in place.
func (t *target) Begin(ctx context.Context, f *format.Format) (load.Tx, error) {
	return t.begin(ctx, f)
}

// BeginDiff starts a transaction that computes what an import would do.
func (t *target) BeginDiff(ctx context.Context, f *format.Format) (load.DiffTx, error) {
	x, err := t.begin(ctx, f)
	if err != nil {
		return nil, err
	}
	return core.NewDiffTx(x), nil
}

func (t *target) begin(ctx context.Context, f *format.Format) (*tx, error) {
	ps, err := core.Mappings(f)
	if err != nil {
		return nil, fmt.Errorf("begin import: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("begin import: %w", err)
	}
	st, err := t.lock(ctx)
	if err != nil {
		return nil, err
	}
	x := &tx{t: t, st: st, TxState: core.NewTxState()}
	for _, p := range ps {
		x.Mappings[p.Entity.Name] = p
	}
	if err := x.setup(ps); err != nil {
		x.Rollback(ctx)
		return nil, err
	}
	return x, nil
}

// lock takes the database's import lock, waiting up to Options.LockWait,
// and returns a copy of the state to work on.
func (t *target) lock(ctx context.Context) (*state, error) {
	w := load.NewWaiter(t.opts)
	for {
		t.db.mu.Lock()
		if !t.db.busy {
			t.db.busy = true
			st := t.db.state.clone()
			t.db.mu.Unlock()
			return st, nil
		}
		t.db.mu.Unlock()
		if err := w.Wait(ctx, ""); err != nil {
			return nil, err
		}
	}
}

// tx is one import's transaction: it changes st, a copy of the state.
type tx struct {
	t            *target
	st           *state
	core.TxState // mappings, first failed load, done
	delta        *core.DeltaState
}

// setup records the bookkeeping's version, checks the existing target
// tables against the format and creates the missing ones.
func (x *tx) setup(ps []*core.Mapping) error {
	switch v, ok := x.st.meta["schema_version"]; {
	case !ok:
		x.st.meta["schema_version"] = core.SchemaVersion
		x.st.meta["created"] = x.t.opts.CurrentTime().UTC().Format(time.RFC3339)
	case v != core.SchemaVersion:
		return fmt.Errorf("begin import: the environment's bookkeeping has version %s, this handover knows version %s", v, core.SchemaVersion)
	}
	var bad []load.TableMismatch
	for _, p := range ps {
		if t := x.st.tables[p.Table]; t != nil {
			if problems := tableProblems(t, p); len(problems) > 0 {
				bad = append(bad, load.TableMismatch{Table: p.Table, Problems: problems})
			}
		}
	}
	if len(bad) > 0 {
		return &load.SchemaError{Tables: bad}
	}
	for _, p := range ps {
		if err := core.CheckRemovedAtName(p); err != nil {
			return fmt.Errorf("begin import: %w", err)
		}
		t := x.st.tables[p.Table]
		if t == nil {
			t = newTable(p)
			x.st.tables[p.Table] = t
		}
		if core.Policy(p.Entity) == format.RemovedFlag {
			if err := addRemovedAt(t); err != nil {
				return fmt.Errorf("begin import: table %s: %w", p.Table, err)
			}
		}
	}
	return nil
}

// newTable is the table the format asks for: the id, then a column per field.
func newTable(p *core.Mapping) *table {
	cols := []Column{{Name: core.IDColumn, Kind: Integer, NotNull: true, Unique: true}}
	for i, f := range p.Entity.Fields {
		cols = append(cols, Column{Name: p.Columns[i], Kind: kindOf(f.Type), NotNull: i == p.KeyIndex, Unique: i == p.KeyIndex})
	}
	return &table{name: p.Table, columns: cols, rows: map[int64]*row{}}
}

// tableProblems lists how an existing table differs from what p needs.
func tableProblems(t *table, p *core.Mapping) []string {
	var problems []string
	if i := t.column(core.IDColumn); i < 0 || t.columns[i].Kind != Integer {
		problems = append(problems, "column id is missing or not an integer")
	}
	used := map[int]bool{t.column(core.IDColumn): true}
	for i, f := range p.Entity.Fields {
		c := t.column(p.Columns[i])
		switch {
		case c < 0:
			problems = append(problems, "column "+p.Columns[i]+" is missing")
			continue
		case t.columns[c].Kind != kindOf(f.Type):
			problems = append(problems, fmt.Sprintf("column %s is %s, the format needs %s", t.columns[c].Name, t.columns[c].Kind, kindOf(f.Type)))
		case i == p.KeyIndex && !t.columns[c].Unique:
			problems = append(problems, "column "+p.Columns[i]+" (the key) has no unique index")
		}
		used[c] = true
	}
	for i, c := range t.columns {
		if !used[i] && c.NotNull && c.Default == "" && !strings.EqualFold(c.Name, core.RemovedAtColumn) {
			problems = append(problems, "column "+c.Name+" is NOT NULL without a default and not in the format")
		}
	}
	return problems
}

// addRemovedAt gives t the column removed_at, checking an existing one.
func addRemovedAt(t *table) error {
	if i := t.column(core.RemovedAtColumn); i >= 0 {
		if k := t.columns[i].Kind; k != Datetime && k != Text {
			return fmt.Errorf("column %s is %s, removed: flag needs a datetime", core.RemovedAtColumn, k)
		}
		return nil
	}
	t.columns = append(t.columns, Column{Name: core.RemovedAtColumn, Kind: Datetime})
	for _, r := range t.rows {
		r.vals = append(r.vals, cell{})
	}
	return nil
}

// Keys returns the source keys of an entity present in the environment.
func (x *tx) Keys(_ context.Context, entity string) (map[string]struct{}, error) {
	keys := make(map[string]struct{}, len(x.st.book[entity]))
	for k := range x.st.book[entity] {
		keys[k] = struct{}{}
	}
	return keys, nil
}

// Commit puts the transaction's state in place, unless a Load failed.
func (x *tx) Commit(ctx context.Context) error {
	if x.Done {
		return errors.New("commit: the transaction is already finished")
	}
	if x.Failed != nil {
		x.Rollback(ctx)
		return fmt.Errorf("commit: an earlier load failed, nothing was imported: %w", x.Failed)
	}
	if err := ctx.Err(); err != nil {
		x.Rollback(ctx)
		return fmt.Errorf("commit: %w", err)
	}
	load.BeforeCommit(ctx)
	x.Done = true
	d := x.t.db
	d.mu.Lock()
	defer d.mu.Unlock()
	d.state, d.busy = x.st, false
	return nil
}

// Rollback discards the transaction; after Commit it does nothing.
func (x *tx) Rollback(context.Context) error {
	if x.Done {
		return nil
	}
	x.Done = true
	d := x.t.db
	d.mu.Lock()
	defer d.mu.Unlock()
	d.busy = false
	return nil
}

func (x *tx) State() *core.DeltaState {
	if x.delta == nil {
		x.delta = core.NewDeltaState()
	}
	return x.delta
}
