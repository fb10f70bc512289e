package engine

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/targets"
	"github.com/handover/handover/internal/protocol"
)

const (
	firmen1   = "ID;Name\nS1;Alpha AG\nS2;Beta AG\nS3;Gamma GmbH\n"
	kontakte1 = "ID;Nachname;EMail;Geburtsdatum;Firma;Status\n" +
		"C1;Eins;;;S1;aktiv\nC2;Zwei;;;S2;aktiv\nC3;Drei;;;S3;aktiv\nC4;Vier;;;S1;aktiv\nC5;Fünf;;;S2;aktiv\n"
	// Extraction 2: S3 gone; C2 rejected (bad e-mail), C4 gone, C5
	// filtered out on purpose, C3 still refers to the kept S3.
	firmen2   = "ID;Name\nS1;Alpha AG\nS2;Beta AG\n"
	kontakte2 = "ID;Nachname;EMail;Geburtsdatum;Firma;Status\n" +
		"C1;Eins;;;S1;aktiv\nC2;Zwei;bad-mail;;S2;aktiv\nC3;Drei;;;S3;aktiv\nC5;Fünf;;;S2;gelöscht\n"
)

// envRun imports (or diffs) the fixture's extraction into the SQLite
// database at path, with the given removal policies.
func envRun(t *testing.T, path, kind string, files map[string]string, policies [2]string) *protocol.Protocol {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t, files)
	for i, e := range f.project.Format.Entities {
		e.Removed = policies[i]
	}
	target, err := targets.Open(ctx, "sqlite://"+path, load.Options{Env: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	var tx load.Tx
	if kind == protocol.KindDiff {
		tx, err = load.BeginDiff(ctx, target, f.project.Format)
	} else {
		tx, err = target.Begin(ctx, f.project.Format)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	o := f.options(tx)
	o.Kind, o.Env, o.Extraction.Number = kind, "dev", 2
	o.RefsFromEnvironment = true // extraction 2 lacks a company its contacts name: references: environment
	p, err := runEngine(ctx, o)
	if err != nil {
		t.Fatalf("%s: %v", kind, err)
	}
	if kind == protocol.KindImport {
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

type counts struct{ read, filtered, rejected, valid, inserted, updated, unchanged, removed, absent int64 }

func countsOf(e *protocol.Entity) counts {
	return counts{e.Read, e.Filtered, e.Rejected, e.Valid, e.Inserted, e.Updated, e.Unchanged, e.Removed, e.Absent}
}

func contactKeys(t *testing.T, path string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT external_id FROM contacts ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		rows.Scan(&k)
		out = append(out, k)
	}
	return out
}

func TestRejectedKeysAreNotRemoved(t *testing.T) {
	path := filepath.Join(t.TempDir(), "env.db")
	policies := [2]string{format.RemovedKeep, format.RemovedDelete}
	envRun(t, path, protocol.KindImport, map[string]string{"firmen.csv": firmen1, "kontakte.csv": kontakte1}, policies)
	x2 := map[string]string{"firmen.csv": firmen2, "kontakte.csv": kontakte2}
	diff := envRun(t, path, protocol.KindDiff, x2, policies)
	p := envRun(t, path, protocol.KindImport, x2, policies)

	want := map[string]counts{
		"structures": {read: 2, valid: 2, unchanged: 2, absent: 1},
		"contacts":   {read: 4, filtered: 1, rejected: 1, valid: 2, unchanged: 2, removed: 2},
	}
	for _, proto := range []*protocol.Protocol{diff, p} {
		for _, e := range proto.Entities {
			if got := countsOf(e); got != want[e.Name] {
				t.Errorf("%s %s: %+v, want %+v", proto.Kind, e.Name, got, want[e.Name])
			}
		}
	}
	// C2 was rejected this time: it stays. C4 is gone, C5 filtered out.
	if got := contactKeys(t, path); !slices.Equal(got, []string{"C1", "C2", "C3"}) {
		t.Errorf("contacts after the import: %v, want C1 C2 C3", got)
	}
	if len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "structures: 1 row of environment dev absent from extraction 2, kept (removed: keep): S3") {
		t.Errorf("warnings %q", p.Warnings)
	}
	d := diff.Diff["contacts"]
	if diff.Diff == nil || d == nil || !slices.Equal(d.Remove.Keys, []string{"C4", "C5"}) || d.Remove.Count != 2 || p.Diff != nil {
		t.Errorf("diff section %+v (import's: %+v)", diff.Diff, p.Diff)
	}
}

func TestRaggedRowHoldsDeletionsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "env.db")
	policies := [2]string{format.RemovedDelete, format.RemovedDelete}
	envRun(t, path, protocol.KindImport, map[string]string{"firmen.csv": firmen1, "kontakte.csv": kontakte1}, policies)
	ragged := "ID;Nachname;EMail;Geburtsdatum;Firma;Status\nC1;Eins;;;S1;aktiv\nC2;Zwei;;\n"
	p := envRun(t, path, protocol.KindImport, map[string]string{"firmen.csv": firmen1, "kontakte.csv": ragged}, policies)
	c := p.Entities[1]
	if c.Rejected != 1 || c.Removed != 0 || c.Absent != 4 {
		t.Errorf("contacts %+v, want 1 rejected and 4 absent rows held back", countsOf(c))
	}
	if got := contactKeys(t, path); len(got) != 5 {
		t.Errorf("contacts %v: nothing may be deleted", got)
	}
	if len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "contacts: 4 rows absent from extraction 2 not deleted (removed: delete): 1 rejected row has no readable key") {
		t.Errorf("warnings %q", p.Warnings)
	}
}
