// Package memory is an environment database held in memory: the same
// contract as the SQL backends (typed tables created or checked, upsert by
// key, bookkeeping in the same transaction, delta, diff, fix-ups), for fast
// tests of the layers above load. A Store holds named databases; nothing
// outlives the Store, and nothing is shared between Stores.
package memory

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
)

// Kind is the type of a column: what values it holds.
type Kind string

// The kinds of columns; a format type maps to one (kindOf).
const (
	Text     Kind = "text"
	Integer  Kind = "integer"
	Boolean  Kind = "boolean"
	Date     Kind = "date"
	Datetime Kind = "datetime"
	Decimal  Kind = "decimal"
)

// kindOf is the kind of column a format type is stored in; a ref holds
// the target id.
func kindOf(t format.Type) Kind {
	switch t {
	case format.Int, format.Ref:
		return Integer
	case format.Bool:
		return Boolean
	case format.Date:
		return Date
	case format.Datetime:
		return Datetime
	case format.Decimal:
		return Decimal
	}
	return Text
}

// Column describes a column of a table.
type Column struct {
	Name    string
	Kind    Kind
	NotNull bool
	Unique  bool
	Default string // a default value; "" is none
}

// Store holds named in-memory databases ("memory://NAME").
type Store struct {
	mu  sync.Mutex
	dbs map[string]*db
}

// NewStore returns an empty store.
func NewStore() *Store { return &Store{dbs: map[string]*db{}} }

// Backend is the memory backend of s, for a load.Backends list.
func (s *Store) Backend() load.Backend {
	return load.Backend{Name: "memory", Form: "memory://NAME", Open: s.Open,
		Match: func(dsn string) bool { return strings.HasPrefix(dsn, "memory://") }}
}

// Open opens the database "memory://NAME", creating it empty on first use.
func (s *Store) Open(_ context.Context, dsn string, opts load.Options) (load.Target, error) {
	d, err := s.db(dsn)
	if err != nil {
		return nil, err
	}
	return &target{db: d, opts: opts}, nil
}

func (s *Store) db(dsn string) (*db, error) {
	name, ok := strings.CutPrefix(dsn, "memory://")
	if !ok || name == "" {
		return nil, fmt.Errorf("open database %s: want memory://NAME", load.Redact(dsn))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.dbs[name]
	if d == nil {
		d = &db{state: newState()}
		s.dbs[name] = d
	}
	return d, nil
}

// db is one database: its committed state and the import lock.
type db struct {
	mu    sync.Mutex
	busy  bool // an import holds the lock
	state *state
}

// state is everything a database holds. A transaction works on a copy
// and commits by replacing the state.
type state struct {
	tables map[string]*table               // by name
	book   map[string]map[string]bookEntry // entity → key → entry
	meta   map[string]string
	runs   map[string]recorded // runs.go
}

type bookEntry struct {
	fp      core.Fingerprint
	id      int64
	version int64 // changes whenever the entry is written
}

// table is a table with an id column first (columns[0]).
type table struct {
	name    string
	columns []Column
	rows    map[int64]*row
	lastID  int64
}

// row is a row of a table: a value per column, and a version that
// changes whenever the row is written.
type row struct {
	vals    []cell
	version int64
}

// cell is a value; null when not set.
type cell struct {
	v   string
	set bool
}

func newState() *state {
	return &state{tables: map[string]*table{}, book: map[string]map[string]bookEntry{}, meta: map[string]string{}}
}

// clone deep-copies the state for a transaction.
func (s *state) clone() *state {
	c := &state{tables: map[string]*table{}, book: map[string]map[string]bookEntry{}, meta: maps.Clone(s.meta), runs: maps.Clone(s.runs)}
	for name, t := range s.tables {
		ct := &table{name: t.name, columns: slices.Clone(t.columns), rows: make(map[int64]*row, len(t.rows)), lastID: t.lastID}
		for id, r := range t.rows {
			ct.rows[id] = &row{vals: slices.Clone(r.vals), version: r.version}
		}
		c.tables[name] = ct
	}
	for e, m := range s.book {
		c.book[e] = maps.Clone(m)
	}
	return c
}

// column returns the index of the column name (case-insensitive), -1 if
// there is none.
func (t *table) column(name string) int {
	for i, c := range t.columns {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

// ids returns the ids of the rows, ascending.
func (t *table) ids() []int64 {
	return slices.Sorted(maps.Keys(t.rows))
}
