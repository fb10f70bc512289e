package memory

import (
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// The methods below read and shape a database behind the loader's back,
// as a test does with SQL on the other backends.

// Tables lists the tables of the database dsn names, the bookkeeping
// (handover_meta, handover_rows) included once an import began there.
func (s *Store) Tables(dsn string) ([]string, error) {
	d, err := s.db(dsn)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	names := slices.Collect(maps.Keys(d.state.tables))
	if len(d.state.meta) > 0 {
		names = append(names, "handover_meta", "handover_rows")
	}
	slices.Sort(names)
	return names, nil
}

// Row is one row of a table: column name → value, "NULL" for null.
type Row map[string]string

// Rows returns the committed rows of a table by id, with a "version"
// entry that changes whenever the row is written; handover_rows are the
// bookkeeping entries (entity, key, fingerprint in hex, target_id).
func (s *Store) Rows(dsn, name string) ([]Row, error) {
	d, err := s.db(dsn)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if name == "handover_rows" {
		return bookRows(d.state), nil
	}
	t := d.state.tables[name]
	if t == nil {
		return nil, fmt.Errorf("no table %s", name)
	}
	var out []Row
	for _, id := range t.ids() {
		r := t.rows[id]
		m := Row{"version": strconv.FormatInt(r.version, 10)}
		for i, c := range t.columns {
			m[c.Name] = "NULL"
			if r.vals[i].set {
				m[c.Name] = r.vals[i].v
			}
		}
		out = append(out, m)
	}
	return out, nil
}

func bookRows(st *state) []Row {
	var out []Row
	for _, e := range slices.Sorted(maps.Keys(st.book)) {
		m := st.book[e]
		for _, k := range slices.Sorted(maps.Keys(m)) {
			b := m[k]
			out = append(out, Row{"entity": e, "key": k, "fingerprint": hex.EncodeToString(b.fp[:]),
				"target_id": strconv.FormatInt(b.id, 10), "version": strconv.FormatInt(b.version, 10)})
		}
	}
	return out
}

// CreateTable creates a table as a customer's system might have: an id
// column is added first.
func (s *Store) CreateTable(dsn, name string, cols ...Column) error {
	d, err := s.db(dsn)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.state.tables[name] != nil {
		return fmt.Errorf("table %s exists", name)
	}
	all := append([]Column{{Name: "id", Kind: Integer, NotNull: true, Unique: true}}, cols...)
	d.state.tables[name] = &table{name: name, columns: all, rows: map[int64]*row{}}
	return nil
}
