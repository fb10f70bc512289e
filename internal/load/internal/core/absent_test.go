package core

import (
	"fmt"
	"testing"

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
