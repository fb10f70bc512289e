package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/maphash"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// newTestIndex is an index in a temporary directory with a table budget of
// limit bytes.
func newTestIndex(t testing.TB, limit int64) *keyIndex {
	t.Helper()
	k, err := newKeyIndex(&stateBudget{dir: t.TempDir(), limit: limit}, maphash.MakeSeed())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.close() })
	return k
}

// agreesWithAMap puts 60,000 values (with repeats, the empty string, a
// long value) and checks every answer against a map.
func agreesWithAMap(t *testing.T, k *keyIndex) {
	t.Helper()
	type first struct {
		line     int
		rejected bool
	}
	want := map[string]first{}
	long := strings.Repeat("x", 70_000)
	for i := range 60_000 {
		v := fmt.Sprintf("K%d", i*7%40_013) // repeats, so some puts find the value
		switch {
		case i%97 == 0:
			v = "" // the empty string is a value like any other
		case i%1001 == 0:
			v = long
		}
		line, rejected := i+2, i%3 == 0
		got, err := k.put(v, line, rejected)
		if err != nil {
			t.Fatal(err)
		}
		w, had := want[v]
		if got.ok != had || (had && (got.line != w.line || got.rejected != w.rejected)) {
			t.Fatalf("put(%.20q) #%d = %+v; want ok=%v %+v", v, i, got, had, w)
		}
		if !had {
			want[v] = first{line, rejected}
		}
	}
	for v, w := range want {
		got, err := k.get(v)
		if err != nil {
			t.Fatal(err)
		}
		if !got.ok || got.line != w.line || got.rejected != w.rejected {
			t.Fatalf("get(%.20q) = %+v; want %+v", v, got, w)
		}
	}
	for _, v := range []string{"absent", "K40013", long + "y"} {
		if got, err := k.get(v); err != nil || got.ok {
			t.Fatalf("get(%.20q) of an absent value = %+v, %v", v, got, err)
		}
	}
}

func TestKeyIndexInMemoryAgreesWithAMap(t *testing.T) {
	k := newTestIndex(t, 1<<40)
	agreesWithAMap(t, k)
	if len(k.runs.runs) != 0 {
		t.Fatalf("%d runs spilled without a budget", len(k.runs.runs))
	}
}

func TestKeyIndexSpilledAgreesWithAMap(t *testing.T) {
	// A budget below the first table that may spill: every growth spills,
	// and the runs are merged on the way.
	k := newTestIndex(t, 1)
	agreesWithAMap(t, k)
	if len(k.runs.runs) == 0 || k.budget.used > int64(2*minSpill*slotBytes) {
		t.Fatalf("runs %d, table bytes %d: the index did not spill", len(k.runs.runs), k.budget.used)
	}
}

func TestKeyIndexMergesRuns(t *testing.T) {
	k := newTestIndex(t, 1)
	n := 0
	for n < 40*minSpill {
		if _, err := k.put(fmt.Sprintf("v%d", n), n+1, n%2 == 0); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if l := len(k.runs.runs); l == 0 || l > 2*(mergeFan-1) || k.runs.runs[0].level < 2 {
		t.Fatalf("%d runs, the first of level %d: not merged as a counter", l, k.runs.runs[0].level)
	}
	for i := range n {
		got, err := k.get(fmt.Sprintf("v%d", i))
		if err != nil || !got.ok || got.line != i+1 || got.rejected != (i%2 == 0) {
			t.Fatalf("get(v%d) after merges = %+v, %v", i, got, err)
		}
	}
}

// Two values with the same hash are two values: the log tells them apart,
// in the table and in a spilled run alike.
func TestKeyIndexCollisionsAreVerified(t *testing.T) {
	for _, limit := range []int64{1 << 40, 1} {
		k := newTestIndex(t, limit)
		k.hashFn = func(v string) uint64 {
			if strings.HasPrefix(v, "same") {
				return 42 << 8
			}
			return maphash.String(k.seed, v)
		}
		for i, v := range []string{"same-a", "same-b"} {
			if got, err := k.put(v, i+1, false); err != nil || got.ok {
				t.Fatalf("put(%s) = %+v, %v: a colliding value was taken for a duplicate", v, got, err)
			}
		}
		for i := range 3 * minSpill { // push the colliding pair into a run when spilling
			if _, err := k.put(fmt.Sprintf("fill%d", i), 100+i, false); err != nil {
				t.Fatal(err)
			}
		}
		for i, v := range []string{"same-a", "same-b"} {
			if got, err := k.get(v); err != nil || !got.ok || got.line != i+1 {
				t.Fatalf("limit %d: get(%s) = %+v, %v", limit, v, got, err)
			}
		}
		if got, _ := k.get("same-c"); got.ok {
			t.Fatalf("limit %d: same-c found (%+v) though only its hash is there", limit, got)
		}
		if got, _ := k.put("same-b", 9, false); !got.ok || got.line != 2 {
			t.Fatalf("limit %d: put(same-b) again = %+v; want its first line 2", limit, got)
		}
	}
}

// The run state's files are unlinked as soon as they are created: a killed
// run leaves nothing behind.
func TestRunStateLeavesNoFiles(t *testing.T) {
	dir := t.TempDir()
	s, err := newRunStateIn(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	k, err := s.index()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 * minSpill {
		if _, err := k.put(fmt.Sprint(i), i+1, false); err != nil {
			t.Fatal(err)
		}
	}
	if len(k.runs.runs) == 0 {
		t.Fatal("nothing spilled")
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Fatalf("%d files in the directory while the run state is open", len(left))
	}
	if got, err := k.get("7"); err != nil || !got.ok || got.line != 8 {
		t.Fatalf("get(7) = %+v, %v", got, err)
	}
}

func BenchmarkKeyIndex(b *testing.B) {
	for _, limit := range []int64{1 << 40, 8 << 20} {
		b.Run(fmt.Sprintf("budget=%d", limit), func(b *testing.B) {
			for range b.N {
				k := newTestIndex(b, limit)
				for i := range 1_000_000 {
					if _, err := k.put(fmt.Sprintf("C%07d", i), i, false); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(k.budget.used)/1e6, "table-MB")
			}
		})
	}
}

// BenchmarkKeyIndexResolve looks up, as references do, keys of an index
// of 100,000 (the benchmark's structures) in random order.
func BenchmarkKeyIndexResolve(b *testing.B) {
	k := newTestIndex(b, 1<<40)
	const n = 100_000
	for i := range n {
		if _, err := k.put(fmt.Sprintf("F%07d", i), i, false); err != nil {
			b.Fatal(err)
		}
	}
	if err := k.log.flush(); err != nil {
		b.Fatal(err)
	}
	keys := make([]string, 1<<16)
	for i := range keys {
		keys[i] = fmt.Sprintf("F%07d", (i*7919)%n)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if f, err := k.get(keys[i%len(keys)]); err != nil || !f.ok {
			b.Fatal(f, err)
		}
		i++
	}
}

// A run whose key state spills to disk rejects exactly the rows, with
// exactly the messages, of a run that holds it in memory.
func TestSpilledKeyStateGivesIdenticalRejects(t *testing.T) {
	var fb, kb strings.Builder
	fb.WriteString("ID;Name\n")
	for i := range 30_000 {
		name := fmt.Sprintf("S%d AG", i)
		if i%50 == 0 {
			name = " " // rejected structure: contacts referring to it are rejected too
		}
		fmt.Fprintf(&fb, "S%d;%s\n", i, name)
	}
	kb.WriteString("ID;Nachname;EMail;Geburtsdatum;Firma;Status\n")
	for i := range 80_000 {
		id := fmt.Sprintf("C%d", i)
		if i%211 == 0 && i > 0 {
			id = fmt.Sprintf("C%d", i/3) // a duplicate key
		}
		mail := fmt.Sprintf("m%d@x.ch", i)
		if i%157 == 0 && i > 0 {
			mail = fmt.Sprintf("M%d@X.CH", i/2) // a duplicate e-mail, after normalisation
		}
		fmt.Fprintf(&kb, "%s;N%d;%s;01.01.1990;S%d;aktiv\n", id, i, mail, i%31_000) // S30000… are missing
	}
	files := map[string]string{"firmen.csv": fb.String(), "kontakte.csv": kb.String()}
	var sums []string
	var counts []string
	for _, memory := range []int64{1 << 40, 1} {
		f := newFixture(t, files)
		o := f.options(nil)
		o.Memory = memory
		p, err := runEngine(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		var c []string
		for _, e := range p.Entities {
			c = append(c, fmt.Sprintf("%s %d/%d/%d %v", e.Name, e.Read, e.Rejected, e.Valid, e.RejectsByRule))
		}
		counts = append(counts, strings.Join(c, "; "))
		h := sha256.New()
		for _, name := range []string{"structures", "contacts"} {
			h.Write([]byte(readFile(t, filepath.Join(f.artifact, "rejects", name+".csv"))))
		}
		sums = append(sums, hex.EncodeToString(h.Sum(nil)))
	}
	if counts[0] != counts[1] || sums[0] != sums[1] {
		t.Fatalf("in memory: %s (%s)\nspilled:   %s (%s)", counts[0], sums[0], counts[1], sums[1])
	}
	for _, rule := range []string{"external_id/unique", "email/unique", "structure/ref"} {
		if !strings.Contains(counts[0], rule) {
			t.Fatalf("the data has no %s rejects: %s", rule, counts[0])
		}
	}
}
