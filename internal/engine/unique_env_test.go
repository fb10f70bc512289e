package engine

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/loadtest"
	"github.com/handover/handover/internal/load/memory"
	"github.com/handover/handover/internal/load/targets"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/testenv"
)

// A unique value loaded for one key is a reject when the next extraction
// gives it to another key; the key that holds it may keep it, and the
// created table carries UNIQUE and NOT NULL — on every backend.
func TestUniqueHoldsAcrossExtractions(t *testing.T) {
	ctx := context.Background()
	byDSN := func(dsn string) func() (load.Target, error) {
		return func() (load.Target, error) { return targets.Open(ctx, dsn, load.Options{Env: "test"}) }
	}
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "env.db")
		uniqueAcrossExtractions(t, byDSN("sqlite://"+path), func(stmt string) error {
			db, err := sql.Open("sqlite", path)
			if err != nil {
				return err
			}
			defer db.Close()
			_, err = db.Exec(stmt)
			return err
		})
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := testenv.FreshPostgres(t)
		uniqueAcrossExtractions(t, byDSN(dsn), func(stmt string) error {
			conn, err := pgx.Connect(context.Background(), dsn)
			if err != nil {
				return err
			}
			defer conn.Close(context.Background())
			_, err = conn.Exec(context.Background(), stmt)
			return err
		})
	})
	t.Run("mysql", func(t *testing.T) {
		dsn := loadtest.FreshMySQL(t)
		ins := loadtest.OpenMySQLInspector(t, dsn)
		uniqueAcrossExtractions(t, byDSN(dsn), ins.TryExec)
	})
	t.Run("memory", func(t *testing.T) {
		store := memory.NewStore()
		uniqueAcrossExtractions(t, func() (load.Target, error) {
			return store.Open(ctx, "memory://env", load.Options{Env: "test"})
		}, nil)
	})
}

// uniqueAcrossExtractions imports two extractions into the environment
// open opens; exec runs a statement on its database (nil: it has no SQL).
func uniqueAcrossExtractions(t *testing.T, open func() (load.Target, error), exec func(string) error) {
	ctx := context.Background()
	run := func(kind, kontakte string) *protocol.Protocol {
		t.Helper()
		f := newFixture(t, map[string]string{"firmen.csv": "ID;Name\nS1;Alpha AG\n", "kontakte.csv": kontakte})
		target, err := open()
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
		o := f.options(tx)
		o.Kind = kind
		p, err := runEngine(ctx, o)
		if err != nil {
			tx.Rollback(ctx)
			t.Fatal(err)
		}
		if kind == protocol.KindDiff {
			tx.Rollback(ctx)
		} else if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if rej := f.artifact; p.Entities[1].Rejected > 0 {
			p.Error = readFile(t, filepath.Join(rej, "rejects", "contacts.csv")) // the messages, for the assertions
		}
		return p
	}
	const head = "ID;Nachname;EMail;Geburtsdatum;Firma;Status\n"
	p := run(protocol.KindImport, head+"C1;Eins;a@x.ch;;S1;aktiv\nC2;Zwei;b@x.ch;;S1;aktiv\n")
	if c := p.Entities[1]; c.Inserted != 2 || c.Rejected != 0 {
		t.Fatalf("extraction 1: %+v", c)
	}
	// C3 takes C1's address and C4 C2's: rejected. C1 moves to a new one
	// and C2 keeps its own (after C4 tried to take it): both fine. diff
	// says so before the import does.
	x2 := head + "C3;Drei;A@X.CH;;S1;aktiv\nC4;Vier;b@x.ch;;S1;aktiv\nC1;Eins;c@x.ch;;S1;aktiv\nC2;Zwei;b@x.ch;;S1;aktiv\n"
	if c := run(protocol.KindDiff, x2).Entities[1]; c.Rejected != 2 || c.RejectsByRule["email/unique"] != 2 {
		t.Errorf("diff of extraction 2: %+v", c)
	}
	p = run(protocol.KindImport, x2)
	c := p.Entities[1]
	if c.Rejected != 2 || c.Updated != 1 || c.Unchanged != 1 || c.Inserted != 0 || c.RejectsByRule["email/unique"] != 2 {
		t.Fatalf("extraction 2: %+v", c)
	}
	for _, want := range []string{`\"a@x.ch\" is already loaded for the key \"C1\" in the environment`,
		`\"b@x.ch\" is already loaded for the key \"C2\" in the environment`} {
		if !strings.Contains(strings.ReplaceAll(p.Error, `""`, `\"`), want) {
			t.Errorf("rejects lack %s:\n%s", want, p.Error)
		}
	}
	// The created table enforces it too.
	if exec == nil {
		return
	}
	if err := exec("INSERT INTO contacts (external_id, last_name, email) VALUES ('X1', 'Dup', 'c@x.ch')"); err == nil {
		t.Error("the contacts table took a second row with the e-mail c@x.ch: no UNIQUE constraint")
	}
	if err := exec("INSERT INTO contacts (external_id, email) VALUES ('X2', 'new@x.ch')"); err == nil {
		t.Error("the contacts table took a row without last_name, a required field: no NOT NULL")
	}
	if err := exec("INSERT INTO contacts (external_id, last_name) VALUES ('X3', 'Fine'), ('X4', 'Fine')"); err != nil {
		t.Errorf("two rows without an e-mail (NULL may repeat): %v", err)
	}
}
