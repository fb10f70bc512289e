package cli

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/testenv"
)

// The structures come from a table of a legacy PostgreSQL database:
// receive --databases snapshots it into the extraction, and check reads
// the snapshot, never the live table.
func TestReceiveDatabases(t *testing.T) {
	legacy := testenv.FreshPostgres(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, legacy)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, stmt := range []string{
		`CREATE TABLE firmen ("ID" text, "Name" text, "Land" text)`,
		`INSERT INTO firmen VALUES ('F001', 'Müller AG', 'CH'), ('F002', 'Bäckerei', 'Schweiz'), ('F003', '', 'CH')`,
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	u, _ := url.Parse(legacy)
	u.User = url.UserPassword("postgres", "hunter2") // trust auth ignores it; it must never show
	env := map[string]string{"LEGACY_DB_URL": u.String()}

	dir := filepath.Join(t.TempDir(), "acme")
	mustRun(t, "init", dir)
	code, _, errOut := runCLI(t, env, "-C", dir, "receive", "--databases")
	if code != 2 || !strings.Contains(errOut, "no recipe source names a database") {
		t.Errorf("receive --databases without a database source: exit %d, %s", code, errOut)
	}
	recipe := "entity: structures\nsource:\n  database: ${LEGACY_DB_URL}\n  query: select * from firmen order by \"ID\"\n" +
		"fields:\n  external_id: trim(ID)\n  name: trim(Name)\n  country: country(Land)\n"
	if err := os.WriteFile(filepath.Join(dir, "recipes", "structures.yaml"), []byte(recipe), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "sample", "firmen.csv"))

	code, out, errOut := runCLI(t, env, "-C", dir, "receive", filepath.Join(dir, "sample"), "--databases")
	if code != 0 || !strings.Contains(out, "databases/structures.csv") || !strings.Contains(out, "databases/structures.meta.json") ||
		!strings.Contains(out, "snapshot of structures: 3 rows from PostgreSQL ") {
		t.Fatalf("receive: exit %d\n%s%s", code, out, errOut)
	}
	meta, err := os.ReadFile(filepath.Join(dir, ".handover", "extractions", "1", "databases", "structures.meta.json"))
	if err != nil || !strings.Contains(string(meta), `"rows": 3`) || !strings.Contains(string(meta), "postgres://postgres:***@") ||
		strings.Contains(string(meta), "hunter2") {
		t.Errorf("meta %s, %v", meta, err)
	}

	check := func() *protocol.Entity {
		t.Helper()
		code, out, errOut := runCLI(t, env, "-C", dir, "check", "--json")
		if code != 0 && code != 3 {
			t.Fatalf("check: exit %d: %s %s", code, out, errOut)
		}
		var p protocol.Protocol
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatal(err)
		}
		if p.Hashes.Inputs["databases/structures.csv"] == "" {
			t.Errorf("the snapshot's hash is not in the protocol: %v", p.Hashes.Inputs)
		}
		return p.Entities[0]
	}
	if e := check(); e.Name != "structures" || e.Read != 3 || e.Rejected != 1 {
		t.Errorf("structures %+v, want 3 read and the nameless one rejected", e)
	}
	// The live table changes; the extraction does not.
	if _, err := conn.Exec(ctx, `DELETE FROM firmen WHERE "ID" = 'F003'`); err != nil {
		t.Fatal(err)
	}
	if e := check(); e.Read != 3 {
		t.Errorf("check read the live database: %+v", e)
	}
	code, out, errOut = runCLI(t, env, "-C", dir, "receive", "--databases", "--label", "J-1", filepath.Join(dir, "sample"))
	if code != 0 || !strings.Contains(out, "extraction 2: 3 files") || strings.Contains(out+errOut, "hunter2") {
		t.Fatalf("second receive: exit %d\n%s%s", code, out, errOut)
	}
	if e := check(); e.Read != 2 || e.Rejected != 0 {
		t.Errorf("second extraction: %+v", e)
	}
	code, _, errOut = runCLI(t, nil, "-C", dir, "receive", "--databases")
	if code != 2 || !strings.Contains(errOut, "LEGACY_DB_URL") {
		t.Errorf("unset variable: exit %d, %s", code, errOut)
	}
}
