package mysql

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/loadtest"
)

func TestConformance(t *testing.T) { loadtest.Run(t, loadtest.MySQL(Open)) }
func TestDelta(t *testing.T)       { loadtest.RunDelta(t, loadtest.MySQL(Open)) }
func TestFixups(t *testing.T)      { loadtest.RunFixups(t, loadtest.MySQL(Open)) }

// openInserting opens a target that writes new rows with INSERT, as on a
// server with local_infile=OFF.
func openInserting(ctx context.Context, dsn string, opts load.Options) (load.Target, error) {
	t, err := Open(ctx, dsn, opts)
	if err == nil {
		t.(*target).inserts = true
	}
	return t, err
}

func TestConformanceInserting(t *testing.T) { loadtest.Run(t, loadtest.MySQL(openInserting)) }
func TestDeltaInserting(t *testing.T)       { loadtest.RunDelta(t, loadtest.MySQL(openInserting)) }

// TestValueTooLongFails loads a value longer than an existing VARCHAR
// column holds: LOAD DATA LOCAL would truncate it with a warning; the load
// must fail instead, both ways.
func TestValueTooLongFails(t *testing.T) {
	for name, open := range map[string]loadtest.OpenFunc{"load data": Open, "insert": openInserting} {
		t.Run(name, func(t *testing.T) {
			h := loadtest.MySQL(open)
			dsn := h.Fresh(t)
			h.Inspect(t, dsn).CreateTable(t, "structures", loadtest.Column{Name: "external_id", Type: loadtest.KeyColumn},
				loadtest.Column{Name: "name", Type: loadtest.TextColumn}, loadtest.Column{Name: "country", Type: loadtest.TextColumn})
			ctx := loadtest.Context(t)
			target, err := open(ctx, dsn, load.Options{Env: "dev"})
			if err != nil {
				t.Fatal(err)
			}
			defer target.Close()
			f := &format.Format{Entities: []*format.Entity{{Name: "structures", Table: "structures", Key: "external_id", Fields: []*format.Field{
				{Name: "external_id", Column: "external_id", Type: format.String},
				{Name: "name", Column: "name", Type: format.String},
				{Name: "country", Column: "country", Type: format.String},
			}}}}
			tx, err := target.Begin(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			rows := &loadtest.SliceBatches{Rows: []load.Record{{Line: 2, Values: []string{"S1", strings.Repeat("x", 300), "CH"}}}, N: 10}
			_, err = tx.Load(ctx, f.Entities[0], rows)
			if err == nil || !strings.Contains(err.Error(), "load structures: ") {
				t.Fatalf("Load: %v, want an error", err)
			}
			t.Log(err)
		})
	}
}

// TestBadValueInALaterChunk loads several LOAD DATA chunks, the last but
// one with a value its column cannot hold: the chunk is loaded while the
// next is sorted, and its error still fails the load and the commit.
func TestBadValueInALaterChunk(t *testing.T) {
	h := loadtest.MySQL(Open)
	dsn := h.Fresh(t)
	db := h.Inspect(t, dsn)
	db.CreateTable(t, "structures", loadtest.Column{Name: "external_id", Type: loadtest.KeyColumn},
		loadtest.Column{Name: "name", Type: loadtest.TextColumn}, loadtest.Column{Name: "country", Type: loadtest.TextColumn})
	ctx := loadtest.Context(t)
	target, err := Open(ctx, dsn, load.Options{Env: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	f := &format.Format{Entities: []*format.Entity{{Name: "structures", Table: "structures", Key: "external_id", Fields: []*format.Field{
		{Name: "external_id", Column: "external_id", Type: format.String},
		{Name: "name", Column: "name", Type: format.String},
		{Name: "country", Column: "country", Type: format.String},
	}}}}
	n := 3*loadRows + 10
	rows := make([]load.Record, n)
	for i := range rows {
		name := fmt.Sprint("name ", i)
		if i == 2*loadRows+5 {
			name = strings.Repeat("x", 300)
		}
		rows[i] = load.Record{Line: i + 2, Values: []string{fmt.Sprint("S", i), name, "CH"}}
	}
	tx, err := target.Begin(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tx.Load(ctx, f.Entities[0], &loadtest.SliceBatches{Rows: rows, N: 1000})
	if err == nil || !strings.Contains(err.Error(), "a value does not fit") {
		t.Fatalf("Load: %v, want the truncation warning as an error", err)
	}
	if err := tx.Commit(ctx); err == nil {
		t.Fatal("Commit after a failed Load succeeded")
	}
	if got := db.Table(t, "structures"); len(got) != 0 {
		t.Errorf("%d rows after the failed import", len(got))
	}
}
