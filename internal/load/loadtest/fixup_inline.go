package loadtest

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/handover/handover/internal/load"
)

// testFixupInlineEqualsPass imports the same two extractions into two
// environments, once with the rules told before the loads (rows rewritten
// as they are written, rows linking further on held back) and once with
// the pass alone, and compares every table, the counts and the unresolved
// matches. The links are random: to earlier and later rows of the same
// load, to rows of the earlier import, to structures, to nothing, several
// in one field, and rewrites too long for their field; the second
// extraction changes, adds and drops rows.
func testFixupInlineEqualsPass(t *testing.T, h Harness) {
	rng := rand.New(rand.NewPCG(15, 3))
	const n = 3000
	link := func() string {
		switch rng.IntN(6) {
		case 0:
			return fmt.Sprintf("structure S%d", rng.IntN(4)) // S3 does not exist
		case 1:
			return oldLink + fmt.Sprint(n+rng.IntN(50)) // mostly missing
		}
		return oldLink + fmt.Sprint(rng.IntN(n))
	}
	extraction := func(drop int) []load.Record {
		var cs []load.Record
		for i := range n {
			if drop > 0 && i%drop == 0 {
				continue
			}
			var parts []string
			for range rng.IntN(4) {
				parts = append(parts, link())
			}
			short := ""
			if rng.IntN(3) == 0 {
				short = fmt.Sprintf("see %d", rng.IntN(n+20))
			}
			cs = append(cs, load.Record{Line: i + 2, Values: []string{fmt.Sprint(i), strings.Join(parts, " and "), "", short, "S1"}})
		}
		return cs
	}
	ss := []load.Record{{Line: 2, Values: []string{"S0", "A"}}, {Line: 3, Values: []string{"S1", "B"}}, {Line: 4, Values: []string{"S2", "C"}}}
	x1, x2 := extraction(0), extraction(7)
	var envs [2]*fixEnv
	var runs [2][2]fixRun
	for m := range envs {
		dsn := h.Fresh(t)
		envs[m] = &fixEnv{t: t, h: h, dsn: dsn, ins: h.Inspect(t, dsn), f: fixupFormat(), rules: fixupRules(t), inline: m == 0}
		runs[m][0] = envs[m].run(cloneRows(ss), cloneRows(x1), false)
		runs[m][1] = envs[m].run(cloneRows(ss), cloneRows(x2), false)
	}
	for i := range 2 {
		a, b := runs[0][i], runs[1][i]
		if !reflect.DeepEqual(a.fix, b.fix) || a.contacts != b.contacts {
			t.Errorf("import %d: at insert %+v %+v, pass only %+v %+v", i+1, a.contacts, a.fix, b.contacts, b.fix)
		}
		if !reflect.DeepEqual(a.unresolved, b.unresolved) {
			t.Errorf("import %d: %d unresolved at insert, %d with the pass only", i+1, len(a.unresolved), len(b.unresolved))
		}
		if a.fix["contact-links"].Rows == 0 || a.fix["contact-links"].Unresolved == 0 {
			t.Errorf("import %d: the data rewrote nothing or left nothing unresolved: %+v", i+1, a.fix)
		}
	}
	for _, table := range []string{"contacts", "structures", "handover_rows"} {
		a, b := envs[0].ins.Table(t, table), envs[1].ins.Table(t, table)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("table %s differs: %d rows at insert, %d with the pass only; first difference: %s", table, len(a), len(b), firstDiff(a, b))
		}
	}
}

func firstDiff(a, b []Row) string {
	for i := range min(len(a), len(b)) {
		if !reflect.DeepEqual(a[i], b[i]) {
			return fmt.Sprintf("%v / %v", a[i], b[i])
		}
	}
	return "(lengths)"
}
