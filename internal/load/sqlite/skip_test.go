package sqlite

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
)

// recordBatches hands out its records once, in one batch.
type recordBatches struct{ recs []load.Record }

func (s *recordBatches) Next(context.Context) ([]load.Record, error) {
	if s.recs == nil {
		return nil, io.EOF
	}
	recs := s.recs
	s.recs = nil
	return recs, nil
}

// skipRecorder is a load.SkipSink that records what it is handed.
type skipRecorder struct {
	expected []int
	places   []int
	early    bool // an entry came before Expect
}

func (r *skipRecorder) Expect(n int) { r.expected = append(r.expected, n) }

func (r *skipRecorder) Guess() int { return 1 } // SQLite counts

func (r *skipRecorder) Entry(place int, key, fp, skip []byte) error {
	r.early = r.early || len(r.expected) == 0
	r.places = append(r.places, place)
	return nil
}

// TestSkipsCountsFirst: Skips tells the sink how many entries may come
// (the entity's, all of which may hold skip data) before the first,
// hands each that holds skip data with its place in the book, and
// the book it keeps for the entity's Load was allocated once at its size
// (no room beyond its entries, nothing copied to give it back).
func TestSkipsCountsFirst(t *testing.T) {
	ctx := context.Background()
	f, err := format.ParseFormat("format.yaml", []byte("entities:\n  - name: items\n    key: k\n    fields:\n"+
		"      - {name: k, type: string, required: true}\n      - {name: v, type: string}\n"))
	if err != nil {
		t.Fatal(err)
	}
	target, err := Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "t.db"), load.Options{Env: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	tx, err := target.Begin(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	const n = 3000 // past the 1,024 entries NewSizedBook sizes from
	var recs []load.Record
	for i := range n {
		r := load.Record{Line: i + 2, Values: []string{fmt.Sprintf("K%05d", i), "x"}}
		if i%3 != 1 {
			r.Skip = []byte("skip data")
		}
		recs = append(recs, r)
	}
	if _, err := tx.Load(ctx, f.Entities[0], &recordBatches{recs}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	tx, err = target.Begin(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	x := tx.(*sqliteTx)
	var r skipRecorder
	if err := x.Skips(ctx, "items", &r); err != nil {
		t.Fatal(err)
	}
	if len(r.expected) != 1 || r.expected[0] != n || r.early {
		t.Errorf("expected %v (an entry before: %v), want once %d before the entries", r.expected, r.early, n)
	}
	if len(r.places) != 2*n/3 {
		t.Fatalf("%d entries with skip data, want %d", len(r.places), 2*n/3)
	}
	b := x.cache["items"]
	if b == nil || b.Len() != n {
		t.Fatalf("book %v", b)
	}
	for j, p := range r.places {
		if want := fmt.Sprintf("K%05d", p); p < 0 || p >= n || string(b.Key(p)) != want || p%3 == 1 || (j > 0 && p <= r.places[j-1]) {
			t.Fatalf("entry %d at place %d, key %q", j, p, b.Key(max(p, 0)))
		}
	}
	if cap(b.FPs) != n || cap(b.IDs) != n {
		t.Errorf("book allocated with room: fingerprints %d of %d, ids %d of %d", len(b.FPs), cap(b.FPs), len(b.IDs), cap(b.IDs))
	}
	if _, ok := b.Find("K02999"); !ok {
		t.Error("K02999 not found")
	}
}
