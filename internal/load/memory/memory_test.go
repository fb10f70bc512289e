package memory

import (
	"fmt"
	"strings"
	"testing"

	"github.com/handover/handover/internal/load/loadtest"
)

// harness is the conformance harness of one Store: a fresh database per
// test, inspected through the Store's own read methods.
func harness() loadtest.Harness {
	s := NewStore()
	n := 0
	return loadtest.Harness{
		Open: s.Open,
		Fresh: func(t *testing.T) string {
			n++
			return fmt.Sprintf("memory://%s-%d", strings.ReplaceAll(t.Name(), "/", "_"), n)
		},
		Inspect: func(t *testing.T, dsn string) loadtest.Inspector { return &inspector{s: s, dsn: dsn} },
	}
}

func TestConformance(t *testing.T) { loadtest.Run(t, harness()) }
func TestDelta(t *testing.T)       { loadtest.RunDelta(t, harness()) }
func TestFixups(t *testing.T)      { loadtest.RunFixups(t, harness()) }

// inspector adapts a Store to loadtest.Inspector.
type inspector struct {
	s   *Store
	dsn string
}

func (i *inspector) Table(t testing.TB, table string) []loadtest.Row {
	t.Helper()
	rows, err := i.s.Rows(i.dsn, table)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]loadtest.Row, len(rows))
	for j, r := range rows {
		out[j] = loadtest.Row(r)
	}
	return out
}

func (i *inspector) Tables(t testing.TB) []string {
	t.Helper()
	names, err := i.s.Tables(i.dsn)
	if err != nil {
		t.Fatal(err)
	}
	return names
}

var kinds = map[loadtest.ColumnType]Column{
	loadtest.TextColumn:    {Kind: Text},
	loadtest.KeyColumn:     {Kind: Text, NotNull: true, Unique: true},
	loadtest.IntegerColumn: {Kind: Integer},
	loadtest.BooleanColumn: {Kind: Boolean},
}

func (i *inspector) CreateTable(t testing.TB, table string, cols ...loadtest.Column) {
	t.Helper()
	var mc []Column
	for _, c := range cols {
		k := kinds[c.Type]
		mc = append(mc, Column{Name: c.Name, Kind: k.Kind, NotNull: k.NotNull || c.NotNull, Unique: k.Unique, Default: c.Default})
	}
	if err := i.s.CreateTable(i.dsn, table, mc...); err != nil {
		t.Fatal(err)
	}
}

// TrackVersions needs nothing: every row carries its version.
func (i *inspector) TrackVersions(testing.TB, ...string) {}

func (i *inspector) Versions(t testing.TB, table string) map[string]string {
	m := map[string]string{}
	for _, r := range i.Table(t, table) {
		id := r["id"]
		if table == "handover_rows" {
			id = r["entity"] + "/" + r["key"]
		}
		m[id] = r["version"]
	}
	return m
}
