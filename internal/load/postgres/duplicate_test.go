package postgres

import (
	"strings"
	"testing"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
	"github.com/handover/handover/internal/load/loadtest"
	"github.com/handover/handover/internal/testenv"
)

// dupFormat is one entity with a string key and a unique code, in a
// column whose name PostgreSQL quotes in its messages.
func dupFormat() *format.Format {
	return &format.Format{Entities: []*format.Entity{{Name: "items", Table: "items", Key: "external_id", Fields: []*format.Field{
		{Name: "external_id", Column: "external_id", Type: format.String},
		{Name: "code", Column: "Code", Type: format.String, Unique: true},
	}}}}
}

// TestDuplicateKeyNamesTheRowTheDetailNames: the server's detail of a
// unique violation names one row exactly, by its column and value — not
// the first row whose key happens to appear somewhere in the text.
func TestDuplicateKeyNamesTheRowTheDetailNames(t *testing.T) {
	p, err := core.NewMapping(dupFormat().Entities[0])
	if err != nil {
		t.Fatal(err)
	}
	chunk := []load.Record{
		{Line: 2, Values: []string{"A1", "A10"}},
		{Line: 3, Values: []string{"A10", "X"}},
		{Line: 4, Values: []string{"X, A1", "A1"}},
		{Line: 5, Values: []string{"items, A1", "Y"}},
		{Line: 6, Values: []string{"short"}}, // malformed: never named
	}
	for _, tc := range []struct {
		detail, want string // want "": nil
	}{
		{`Key (external_id)=(A10) already exists.`, `line 3: duplicate key "A10"`},
		{`Key (external_id)=(A1) already exists.`, `line 2: duplicate key "A1"`},
		{`Key (external_id)=(X, A1) already exists.`, `line 4: duplicate key "X, A1"`},
		{`Key (external_id)=(items, A1) already exists.`, `line 5: duplicate key "items, A1"`},
		// the bookkeeping's primary key (entity, key)
		{`Key (entity, key)=(items, A1) already exists.`, `line 2: duplicate key "A1"`},
		{`Key (entity, key)=(items, A10) already exists.`, `line 3: duplicate key "A10"`},
		{`Key (entity, key)=(items, X, A1) already exists.`, `line 4: duplicate key "X, A1"`},
		{`Key (entity, key)=(other, A1) already exists.`, ``},
		// a unique field: the row holding the value, not the row whose key it is
		{`Key ("Code")=(A1) already exists.`, `line 4: duplicate code "A1"`},
		{`Key ("Code")=(A10) already exists.`, `line 2: duplicate code "A10"`},
		// translated messages keep "(columns)=(values)"
		{`Schlüssel »(external_id)=(A10)« existiert bereits.`, `line 3: duplicate key "A10"`},
		{`Key (external_id)=(A100) already exists.`, ``},
		{`Key (unknown)=(A1) already exists.`, ``},
		{`Key (external_id)=(short) already exists.`, ``},
		{`something else entirely`, ``},
		{``, ``},
	} {
		err := duplicateKey(p, chunk, tc.detail)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v, want nil", tc.detail, err)
		case tc.want != "" && (err == nil || err.Error() != tc.want):
			t.Errorf("%s: %v, want %s", tc.detail, err, tc.want)
		}
	}
	// a key twice in the chunk is named before the detail is read
	twice := append(chunk[:2:2], load.Record{Line: 9, Values: []string{"A1", "Z"}})
	if err := duplicateKey(p, twice, `Key (external_id)=(A10) already exists.`); err == nil || err.Error() != `line 9: duplicate key "A1" (first on line 2)` {
		t.Errorf("a key twice in the chunk: %v", err)
	}
}

// TestPostgresDuplicateKeyAcrossChunks loads a key again two chunks
// later, behind a key its text contains: the error names the repeated
// row's line.
func TestPostgresDuplicateKeyAcrossChunks(t *testing.T) {
	testenv.Postgres(t)
	defer func(n int) { directChunk = n }(directChunk)
	directChunk = 2
	dsn := testenv.FreshPostgres(t)
	ctx := loadtest.Context(t)
	target, err := Open(ctx, dsn, load.Options{Env: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	f := dupFormat()
	tx, err := target.Begin(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	rows := []load.Record{
		{Line: 2, Values: []string{"A10", "c1"}},
		{Line: 3, Values: []string{"X, A1", "c2"}},
		{Line: 4, Values: []string{"A1", "c3"}},
		{Line: 5, Values: []string{"X, A1", "c4"}},
	}
	_, err = tx.Load(ctx, f.Entities[0], &loadtest.SliceBatches{Rows: rows, N: 2})
	if err == nil || !strings.Contains(err.Error(), `line 5: duplicate key "X, A1"`) {
		t.Fatalf("Load: %v, want line 5 named", err)
	}
}
