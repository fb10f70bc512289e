package loadtest

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
)

// testFormat is a small format with every type and a reference.
func testFormat() *format.Format {
	structures := &format.Entity{Name: "structures", Table: "structures", Key: "external_id", Fields: []*format.Field{
		{Name: "external_id", Column: "external_id", Type: format.String},
		{Name: "name", Column: "name", Type: format.String},
		{Name: "country", Column: "country", Type: format.Country},
	}}
	contacts := &format.Entity{Name: "contacts", Table: "contacts", Key: "external_id", Fields: []*format.Field{
		{Name: "external_id", Column: "external_id", Type: format.String},
		{Name: "last_name", Column: "last_name", Type: format.String},
		{Name: "email", Column: "email", Type: format.Email},
		{Name: "birth_date", Column: "birth_date", Type: format.Date},
		{Name: "created", Column: "created_at", Type: format.Datetime},
		{Name: "score", Column: "score", Type: format.Int},
		{Name: "balance", Column: "balance", Type: format.Decimal, Scale: 2},
		{Name: "vip", Column: "vip", Type: format.Bool},
		{Name: "category", Column: "category", Type: format.Enum, Values: []string{"VIP", "REGULAR"}},
		{Name: "structure", Column: "structure_id", Type: format.Ref, Entity: "structures"},
	}}
	return &format.Format{Entities: []*format.Entity{structures, contacts}}
}

func StructureRows() []load.Record {
	return []load.Record{
		{Line: 2, Values: []string{"S1", "ACME AG", "CH"}},
		{Line: 3, Values: []string{"S2", "Globex", "DE"}},
		{Line: 4, Values: []string{"S3", "Initech", ""}},
	}
}

func ContactRows() []load.Record {
	return []load.Record{
		{Line: 2, Values: []string{"C1", "MEIER", "anna@example.com", "1980-02-01", "2024-01-02T03:04:05Z", "42", "1234.50", "true", "VIP", "S1"}},
		{Line: 3, Values: []string{"C2", "MÜLLER", "", "", "", "", "", "", "", ""}},
		{Line: 4, Values: []string{"C3", "O'Brien", "ob@example.com", "1999-12-31", "2023-06-30T23:59:59Z", "-7", "-0.01", "false", "REGULAR", "S2"}},
		{Line: 5, Values: []string{"C4", "Smith", "s@example.com", "2000-02-29", "2020-02-29T12:00:00Z", "0", "99999999999999999999.99", "true", "REGULAR", "S1"}},
	}
}

// batches yields records n at a time.
type SliceBatches struct {
	Rows []load.Record
	N    int
}

func (b *SliceBatches) Next(ctx context.Context) ([]load.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(b.Rows) == 0 {
		return nil, io.EOF
	}
	n := min(b.N, len(b.Rows))
	out := b.Rows[:n]
	b.Rows = b.Rows[n:]
	return out, nil
}

func rowsOf(rs []load.Record) *SliceBatches { return &SliceBatches{Rows: rs, N: 2} }

func fixedNow() time.Time { return time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC) }

func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// cloneRows deep-copies records so a test can change values.
func cloneRows(rs []load.Record) []load.Record {
	out := make([]load.Record, len(rs))
	for i, r := range rs {
		out[i] = load.Record{Line: r.Line, Values: append([]string(nil), r.Values...)}
	}
	return out
}

// begin opens dsn with opts and begins an import of f; end rolls back
// what was not committed and closes the target.
func begin(ctx context.Context, t testing.TB, h Harness, dsn string, opts load.Options, f *format.Format) (tx load.Tx, end func()) {
	t.Helper()
	target, err := h.Open(ctx, dsn, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	tx, err = target.Begin(ctx, f)
	if err != nil {
		target.Close()
		t.Fatalf("Begin: %v", err)
	}
	return tx, func() {
		tx.Rollback(ctx)
		target.Close()
	}
}
