package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/handover/handover/internal/fixup"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/loadtest"
	"github.com/handover/handover/internal/project/conf"
)

// TestFixupSkipsAWholeTable: a load into an empty table rewrites every
// link as it writes the rows (held ones too), so the pass after the loads
// does not scan that table — a link put into it behind the load's back is
// left as it is; into a table that had rows, the pass scans and rewrites
// it.
func TestFixupSkipsAWholeTable(t *testing.T) {
	ctx := context.Background()
	f := journalFormat()
	errs := &conf.Errors{}
	rules := fixup.Compile([]fixup.Spec{{On: "items", Field: "note", Match: `see (K\d+)`, Entity: "items", Replace: "item {id}"}}, f, errs)
	if errs.Len() > 0 {
		t.Fatal(errs)
	}
	path := filepath.Join(t.TempDir(), "env.db")
	target, err := Open(ctx, "sqlite://"+path, load.Options{Env: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	for _, c := range []struct {
		name    string
		scanned bool
	}{{"empty table", false}, {"table with rows", true}} {
		rows := make([]load.Record, 300)
		for i := range rows {
			// every row links the next one: all held until the end but the last
			rows[i] = load.Record{Line: i + 2, Values: []string{fmt.Sprintf("K%06d", i), fmt.Sprintf("see K%06d", (i+1)%len(rows))}}
		}
		if c.scanned {
			for i := range rows {
				rows[i].Values[1] += " again" // changed rows: updates
			}
		}
		tx, err := target.Begin(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		tx.(load.FixupPreparer).PrepareFixups(rules)
		if _, err := tx.Load(ctx, f.Entities[0], &loadtest.SliceBatches{Rows: rows, N: 50}); err != nil {
			t.Fatal(err)
		}
		x := tx.(*sqliteTx)
		if _, err := x.tx.ExecContext(ctx, `UPDATE items SET note = 'see K000007' WHERE key = 'K000003'`); err != nil {
			t.Fatal(err)
		}
		counts, err := tx.(load.Fixer).Fixup(ctx, rules, nil)
		if err != nil {
			t.Fatal(err)
		}
		var note string
		if err := x.tx.QueryRowContext(ctx, `SELECT note FROM items WHERE key = 'K000003'`).Scan(&note); err != nil {
			t.Fatal(err)
		}
		if scanned := note != "see K000007"; scanned != c.scanned {
			t.Errorf("%s: the pass scanned the table: %v (the row reads %q)", c.name, scanned, note)
		}
		if got := counts[0].Rows; got != int64(len(rows)) && !c.scanned {
			t.Errorf("%s: %d rows rewritten, want %d", c.name, got, len(rows))
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
