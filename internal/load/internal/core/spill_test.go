package core

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/handover/handover/internal/load"
)

// TestSpill holds records and reads them back in order, in chunks, with
// their ids, fingerprints, kinds, skip data and memos; nothing is left in the temporary
// directory.
func TestSpill(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	var s Spill
	var want []Held
	for i := range 10_000 {
		h := Held{Record: load.Record{Line: i + 2, Values: []string{fmt.Sprint(i), "", "ä\x00b", fmt.Sprintf("%0*d", i%300, 0)}},
			ID: int64(i*3 - 5), Update: i%7 == 0}
		h.FP[0], h.FP[15] = byte(i), byte(i>>8)
		h.Record.Fingerprint, h.Record.HasFingerprint = h.FP, true // read back, it carries its fingerprint
		if i%3 == 0 {
			h.Memo = []byte{byte(i), 0, 1}
		}
		if i%5 == 0 {
			h.Record.Skip = []byte("skip")
		}
		if err := s.Add(h); err != nil {
			t.Fatal(err)
		}
		want = append(want, h)
	}
	var got []Held
	chunks := 0
	err := s.Each(4096, func(hs []Held) error {
		chunks++
		got = append(got, hs...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if chunks != 3 || !reflect.DeepEqual(got, want) {
		t.Errorf("%d chunks, %d records back; equal: %v", chunks, len(got), reflect.DeepEqual(got, want))
	}
	s.Close()
	left, _ := filepath.Glob(filepath.Join(os.Getenv("TMPDIR"), "*"))
	if len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}
