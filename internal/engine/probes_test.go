package engine

import (
	"fmt"
	"hash/maphash"
	"reflect"
	"syscall"
	"testing"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/source"
)

// The hashes prepare computes for a batch, and the touching of their
// slots, change no answer of the cross-row checks: two run states, one
// checking with the prepared hashes and one computing each hash as it
// checks, give every row the same problems — with duplicate keys and
// values, references to valid, rejected and missing rows, empty values,
// rows without values, filtered rows, tables that grow within a batch and
// spill to runs, an index whose hashes collide, and batches checked
// without prepared hashes between those checked with them.
func TestPreparedHashesGiveTheSameChecks(t *testing.T) {
	structures := &format.Entity{Name: "structures", Key: "id", Fields: []*format.Field{{Name: "id", Type: format.String}}}
	contacts := &format.Entity{Name: "contacts", Key: "id", Fields: []*format.Field{
		{Name: "id", Type: format.String},
		{Name: "email", Type: format.String, Unique: true},
		{Name: "structure", Type: format.Ref, Entity: "structures"},
		{Name: "parent", Type: format.Ref, Entity: "contacts"},
	}}
	type state struct {
		st   *runState
		s, c *entityKeys
	}
	newState := func() state {
		st, err := newRunStateIn(t.TempDir(), 8*minSpill*slotBytes*stateShare/4)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.close() })
		s, err := st.entity(structures)
		if err != nil {
			t.Fatal(err)
		}
		c, err := st.entity(contacts)
		if err != nil {
			t.Fatal(err)
		}
		// E-mails that differ in their last digit only (m120@x.ch …
		// m129@x.ch) collide in the seen index.
		c.unique[0].seen.hashFn = func(v string) uint64 { return maphash.String(st.seed, v[:max(0, len(v)-len("0@x.ch"))]) }
		return state{st, s, c}
	}
	prepared, plain := newState(), newState()

	batches := func(rows []rowResult) []*batch {
		var out []*batch
		for len(rows) > 0 {
			n := min(batchRows, len(rows))
			out = append(out, &batch{rows: make([]source.Row, n), results: rows[:n]})
			rows = rows[n:]
		}
		return out
	}
	var srows []rowResult
	for i := range 3000 {
		r := rowResult{values: []string{fmt.Sprintf("S%d", i%2900)}}
		if i%97 == 0 {
			r.problems = []format.Problem{{Field: "id", Rule: "row"}}
		}
		srows = append(srows, r)
	}
	var crows []rowResult
	for i := range 6 * minSpill {
		v := []string{fmt.Sprintf("C%d", i), fmt.Sprintf("m%d@x.ch", i%(5*minSpill)), fmt.Sprintf("S%d", i%3100), fmt.Sprintf("C%d", i/2)}
		switch {
		case i%101 == 0:
			v[0] = fmt.Sprintf("C%d", i/5) // a duplicate key
		case i%103 == 0:
			v[1], v[2], v[3] = "", "", ""
		case i%107 == 0:
			v[3] = fmt.Sprintf("C%d", i+1) // a later row
		}
		r := rowResult{values: v}
		switch {
		case i%211 == 0:
			r.values = nil
		case i%223 == 0:
			r.filtered = true
		case i%227 == 0:
			r.problems = []format.Problem{{Field: "email", Rule: "email"}}
		}
		crows = append(crows, r)
	}

	var hashed int
	for _, e := range []struct {
		entity *format.Entity
		rows   []rowResult
		keys   func(state) *entityKeys
	}{{structures, srows, func(s state) *entityKeys { return s.s }}, {contacts, crows, func(s state) *entityKeys { return s.c }}} {
		line := 0
		for n, b := range batches(e.rows) {
			bh := e.keys(prepared).prepare(e.entity, prepared.st, b)
			for i := range b.results {
				line++
				r := &b.results[i]
				if r.filtered {
					continue
				}
				hs := bh.row(i)
				if n%3 == 2 {
					hs = nil // a batch checked without: both kinds of lookups meet in one index
				}
				for p, h := range hs {
					if h != 0 {
						hashed++
						if r.values == nil {
							t.Fatalf("line %d: hash at %d of a row without values", line, p)
						}
					}
				}
				got, err := e.keys(prepared).check(e.entity, prepared.st, line, r, hs)
				if err != nil {
					t.Fatal(err)
				}
				want, err := e.keys(plain).check(e.entity, plain.st, line, r, nil)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s line %d: prepared %v, plain %v", e.entity.Name, line, got, want)
				}
			}
		}
	}
	if hashed == 0 {
		t.Fatal("prepare computed no hash")
	}
	if len(prepared.c.keys.runs.runs) == 0 {
		t.Fatal("the contacts' keys never spilled")
	}
}

// prepare leaves the hashes of a row the skip index answers for (settled
// only on the collector), a filtered row and a row without values at 0,
// and hashes an empty value as none.
func TestPrepareSkipsUnsettledRows(t *testing.T) {
	e := &format.Entity{Name: "contacts", Key: "id", Fields: []*format.Field{
		{Name: "id", Type: format.String}, {Name: "email", Type: format.String, Unique: true}}}
	st, err := newRunStateIn(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	k, err := st.entity(e)
	if err != nil {
		t.Fatal(err)
	}
	b := &batch{rows: make([]source.Row, 5), results: []rowResult{
		{values: []string{"K1", "a@x.ch"}},
		{values: []string{"K2", "b@x.ch"}, skip: 1},
		{values: []string{"K3", "c@x.ch"}, filtered: true},
		{},
		{values: []string{"K5", ""}},
	}}
	bh := k.prepare(e, st, b)
	want := [][]uint64{
		{k.keys.hash("K1"), k.unique[0].seen.hash("a@x.ch"), 0},
		{0, 0, 0}, {0, 0, 0}, {0, 0, 0},
		{k.keys.hash("K5"), 0, 0},
	}
	for i, w := range want {
		if got := bh.row(i); !reflect.DeepEqual(got, w) {
			t.Errorf("row %d: hashes %v, want %v", i, got, w)
		}
	}
}

// BenchmarkCheckPrepared checks 1,048,576 contacts rows (a key, a unique e-mail)
// batch by batch as the collector does, with and without prepare: the
// key indexes grow to 2M slots each, past the CPU's caches. cpu-ns/row is
// the process's CPU time (user + system) a row.
func BenchmarkCheckPrepared(b *testing.B) {
	e := &format.Entity{Name: "contacts", Key: "id", Fields: []*format.Field{
		{Name: "id", Type: format.String}, {Name: "email", Type: format.String, Unique: true}}}
	rows := make([]rowResult, 1<<20)
	for i := range rows {
		rows[i].values = []string{fmt.Sprintf("C%07d", i), fmt.Sprintf("m%d@example.ch", i)}
	}
	for _, prepared := range []bool{false, true} {
		b.Run(fmt.Sprint("prepared=", prepared), func(b *testing.B) {
			cpu := cpuTime()
			for range b.N {
				st, err := newRunStateIn(b.TempDir(), 0)
				if err != nil {
					b.Fatal(err)
				}
				k, err := st.entity(e)
				if err != nil {
					b.Fatal(err)
				}
				for at := 0; at < len(rows); at += batchRows {
					bt := &batch{rows: make([]source.Row, batchRows), results: rows[at : at+batchRows]}
					var bh *batchHashes
					if prepared {
						bh = k.prepare(e, st, bt)
					}
					for i := range bt.results {
						var hs []uint64
						if bh != nil {
							hs = bh.row(i)
						}
						if ps, err := k.check(e, st, at+i+1, &bt.results[i], hs); err != nil || len(ps) > 0 {
							b.Fatal(ps, err)
						}
					}
				}
				st.close()
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N*len(rows)), "cpu-ns/row")
		})
	}
}

// cpuTime is the process's user + system time so far, in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
