package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestRejectSampleSurvivesReuse: the batches' arrays are reused once the
// collector and the column profile are done with them, so what outlives a
// batch — the report's sample of rejects — must hold copies: the sample
// taken from the first batches still shows its rows after 40 more batches
// were read into the same arrays.
func TestRejectSampleSurvivesReuse(t *testing.T) {
	var b strings.Builder
	b.WriteString("ID;Nachname;EMail;Geburtsdatum;Firma;Status\n")
	want := map[int][]string{}
	for i := range 20000 {
		date := "01.01.1990"
		if i < 30 {
			date = "32.01.1990" // rejected: the sample takes the first 20
		}
		row := []string{fmt.Sprintf("C%d", i), fmt.Sprintf("N%d", i), "", date, "S1", "aktiv"}
		want[i+2] = row
		b.WriteString(strings.Join(row, ";") + "\n")
	}
	f := newFixture(t, map[string]string{"firmen.csv": firmen, "kontakte.csv": b.String()})
	out, err := Check(context.Background(), SpecOf(f.project), f.options(nil).Options)
	if err != nil {
		t.Fatal(err)
	}
	var sample int
	for _, r := range out.results {
		if r.counts.Name != "contacts" {
			continue
		}
		for _, s := range r.sample {
			sample++
			if !slices.Equal(s.Values, want[s.Line]) {
				t.Fatalf("sample of line %d holds %v, want %v", s.Line, s.Values, want[s.Line])
			}
		}
	}
	if sample != 20 {
		t.Errorf("%d rows in the sample, want 20", sample)
	}
}

// TestBatchPool: a released batch comes back from its pool emptied, with
// its arrays; one still held by a reader (the column profile) does not.
func TestBatchPool(t *testing.T) {
	pool := make(chan *batch, 4)
	b := reuse(pool)
	b.rows = append(b.rows, b.rows[:1][0])
	b.hold() // the profile
	b.release()
	if len(pool) != 0 {
		t.Fatal("a batch the profile still reads went back to the pool")
	}
	b.release()
	if len(pool) != 1 {
		t.Fatal("a batch nobody reads did not go back to the pool")
	}
	c := reuse(pool)
	if c != b || len(c.rows) != 0 || cap(c.rows) != batchRows || c.users.Load() != 1 {
		t.Errorf("reused batch: same %v, rows %d of %d, users %d", c == b, len(c.rows), cap(c.rows), c.users.Load())
	}
	select {
	case <-c.done:
		t.Error("the reused batch is done before its rows are transformed")
	default:
	}
}
