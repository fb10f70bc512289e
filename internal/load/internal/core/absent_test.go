package core

import (
	"context"
	"fmt"
	"testing"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
)

// TestAbsentRows: the entries neither the load met nor the extraction
// has, by target id; asking for a key allocates nothing.
func TestAbsentRows(t *testing.T) {
	b := NewBook()
	for i := range 1000 {
		b.Add(fmt.Sprint("K", i), Fingerprint{}, int64(1000-i))
	}
	b.MarkSeen(3)
	has := func(k string) bool { return k != "K3" && k != "K5" && k != "K7" }
	got := absentRows(b, load.Seen{Has: has})
	if len(got) != 2 || got[0].Key != "K7" || got[1].Key != "K5" {
		t.Fatalf("absent: %+v", got)
	}
	all := func(string) bool { return true }
	if n := testing.AllocsPerRun(10, func() { absentRows(b, load.Seen{Has: all}) }); n != 0 {
		t.Errorf("%v allocations for 1000 present keys", n)
	}
}

// TestAbsentRowsSkipped: an entry whose bit Seen.Skipped sets is present
// without asking Has; Sweep takes the bits only for the book Skips read.
func TestAbsentRowsSkipped(t *testing.T) {
	b := NewBook()
	for i := range 200 {
		b.Add(fmt.Sprint("K", i), Fingerprint{1}, int64(i+1))
	}
	asked := 0
	has := func(k string) bool { asked++; return k == "K1" }
	skipped := make([]uint64, 4)
	for i := 2; i < 200; i++ {
		if i != 70 && i != 130 {
			skipped[i/64] |= 1 << (i % 64)
		}
	}
	got := absentRows(b, load.Seen{Has: has, Skipped: skipped})
	if len(got) != 3 || got[0].Key != "K0" || got[1].Key != "K70" || got[2].Key != "K130" {
		t.Fatalf("absent: %+v", got)
	}
	if asked != 4 {
		t.Errorf("Has asked %d times, want 4 (K0, K1, K70, K130)", asked)
	}
	// A bit past Skipped's end, or Skipped nil: Has answers.
	if got := absentRows(b, load.Seen{Has: has, Skipped: skipped[:1]}); len(got) != 137 {
		t.Errorf("%d absent with the first 64 bits only, want 137", len(got))
	}

	ops := &fakeSweep{book: b, st: NewDeltaState()}
	m := &Mapping{Entity: &format.Entity{Name: "e"}}
	r, err := Sweep(context.Background(), ops, m, load.Seen{Has: has, Skipped: skipped})
	if err != nil || r.Absent != 199 {
		t.Errorf("sweep with the bits of another book: %+v %v, want 199 absent", r, err)
	}
	ops.st.SkipBooks["e"] = b
	r, err = Sweep(context.Background(), ops, m, load.Seen{Has: has, Skipped: skipped})
	if err != nil || r.Absent != 3 {
		t.Errorf("sweep with the bits of its book: %+v %v, want 3 absent", r, err)
	}
}

// fakeSweep is a SweepOps of one book that writes nothing (keep policy).
type fakeSweep struct {
	SweepOps
	book *Book
	st   *DeltaState
}

func (f *fakeSweep) Book(context.Context, *Mapping) (*Book, error) { return f.book, nil }
func (f *fakeSweep) State() *DeltaState                            { return f.st }
