package core

import (
	"testing"

	"github.com/handover/handover/internal/fixup"
	"github.com/handover/handover/internal/format"
)

// TestRowFixerKnows checks what a load may take as known when it writes a
// row: its own keys met so far; rows of earlier imports only when the
// entity's removal policy cannot delete them, or once met; other entities
// only through their bookkeeping as given; after SetFinal nothing waits.
func TestRowFixerKnows(t *testing.T) {
	self := NewBook()
	self.Add("old", Fingerprint{}, 1)                // an earlier import's row, not met yet
	self.MarkSeen(self.Add("met", Fingerprint{}, 2)) // met in this load
	other := NewBook()
	other.Add("S1", Fingerprint{}, 7)
	for _, policy := range []string{format.RemovedKeep, format.RemovedDelete} {
		f := &RowFixer{entity: "contacts", self: self, selfFinal: policy != format.RemovedDelete,
			others: map[string]*Book{"structures": other, "unknown": nil}}
		cases := []struct {
			entity, key string
			id          int64
			known       fixup.Known
		}{
			{"contacts", "met", 2, fixup.Found},
			{"contacts", "later", 0, fixup.Later},
			{"structures", "S1", 7, fixup.Found},
			{"structures", "S9", 0, fixup.Unknown},
			{"unknown", "x", 0, fixup.Unknown},
		}
		if policy == format.RemovedDelete {
			cases = append(cases, struct {
				entity, key string
				id          int64
				known       fixup.Known
			}{"contacts", "old", 0, fixup.Later})
		} else {
			cases = append(cases, struct {
				entity, key string
				id          int64
				known       fixup.Known
			}{"contacts", "old", 1, fixup.Found})
		}
		for _, c := range cases {
			if id, k := f.look(c.entity, c.key); id != c.id || k != c.known {
				t.Errorf("%s: %s %s: %d %v, want %d %v", policy, c.entity, c.key, id, k, c.id, c.known)
			}
		}
		f.SetFinal()
		if _, k := f.look("contacts", "later"); k != fixup.Unknown {
			t.Errorf("%s: after SetFinal a missing key is %v", policy, k)
		}
		if _, k := f.look("contacts", "old"); policy == format.RemovedDelete && k != fixup.Unknown {
			t.Errorf("delete: after SetFinal an old row never met is %v (the removal deletes it)", k)
		}
	}
}
