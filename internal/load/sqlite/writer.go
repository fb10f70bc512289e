package sqlite

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
)

// sqliteInsertRows is how many rows one INSERT statement carries at most:
// fewer for a table with so many columns that they would need more
// parameters than SQLite allows in a statement (rowsPerInsert). 256 rows
// took 6 % less CPU than 64 (docs/BENCHMARKS.md section 3).
const sqliteInsertRows = 256

// rowsPerInsert is how many rows of cols columns one statement takes when
// a statement may have maxParams parameters.
func rowsPerInsert(cols, maxParams int) int {
	return max(1, min(sqliteInsertRows, maxParams/cols))
}

// sqliteBatch is the work of one round of statements, prepared apart
// from executing it: up to max new rows, with their
// bookkeeping, and the changed rows met among them.
type sqliteBatch struct {
	max      int      // rows, updates or skips a batch takes
	rows     int      // new rows in args
	args     []sqlArg // new rows: id, then a value per field
	bookArgs []sqlArg // their bookkeeping: key, fingerprint, id, skip data
	fps      []byte   // the fingerprints bookArgs point into
	updates  []sqliteUpdate
	skips    []sqliteSkip // unchanged rows whose skip data is new
}

// sqliteSkip is the new skip data of an unchanged row.
type sqliteSkip struct {
	key  string
	skip []byte
}

// sqliteUpdate is one changed row: its values, then its id.
type sqliteUpdate struct {
	line int
	key  string
	fp   core.Fingerprint
	skip []byte
	args []sqlArg
}

func newSQLiteBatch(max int) *sqliteBatch {
	return &sqliteBatch{max: max, fps: make([]byte, 0, max*len(core.Fingerprint{}))}
}

func (b *sqliteBatch) reset() {
	b.rows, b.args, b.bookArgs, b.fps, b.updates, b.skips = 0, b.args[:0], b.bookArgs[:0], b.fps[:0], b.updates[:0], b.skips[:0]
}

func (b *sqliteBatch) empty() bool { return b.rows == 0 && len(b.updates) == 0 && len(b.skips) == 0 }

// full reports whether the batch holds as much as one round takes.
func (b *sqliteBatch) full() bool {
	return b.rows == b.max || len(b.updates) == b.max || len(b.skips) == b.max
}

// sqliteWriter converts records (any goroutine) and executes batches (on
// the driver connection, one goroutine), with statements prepared by the
// driver and bound and run through SQLite's C API (cstmt.go).
type sqliteWriter struct {
	conn  driver.ConnPrepareContext
	c     *cConn
	p     *core.Mapping
	refs  []*core.Book
	stmts map[string]*cStmt
	sqls  map[int][2]string // multi-row inserts by row count: target, bookkeeping
	rows  int               // rows per INSERT (rowsPerInsert)
	upd   string
}

// newSQLiteWriter returns the writer of p's rows on dc, the driver
// connection of the import's transaction.
func newSQLiteWriter(dc any, p *core.Mapping, refs []*core.Book) (*sqliteWriter, error) {
	conn, ok := dc.(driver.ConnPrepareContext)
	if !ok {
		return nil, fmt.Errorf("the driver's connection %T cannot prepare statements", dc)
	}
	c, err := cConnOf(dc)
	if err != nil {
		return nil, err
	}
	// The table's statement has a parameter per column and the id, the
	// bookkeeping's four a row.
	w := &sqliteWriter{conn: conn, c: c, p: p, refs: refs, stmts: map[string]*cStmt{}, sqls: map[int][2]string{},
		rows: rowsPerInsert(max(len(p.Columns)+1, 4), c.maxParams())}
	sets := make([]string, len(p.Columns))
	for i, c := range p.Columns {
		sets[i] = sqliteQuote(c) + " = ?"
	}
	w.upd = "UPDATE " + sqliteQuote(p.Table) + " SET " + strings.Join(sets, ", ") + " WHERE " + sqliteQuote(core.IDColumn) + " = ?"
	return w, nil
}

func (w *sqliteWriter) close() {
	for _, s := range w.stmts {
		s.d.Close()
	}
	w.c.close()
}

// addInsert queues a new row with the id it gets.
func (w *sqliteWriter) addInsert(b *sqliteBatch, r *load.Record, id int64, fp core.Fingerprint) error {
	args, err := w.values(append(b.args, intArg(id)), r)
	if err != nil {
		return err
	}
	b.args = args
	start := len(b.fps)
	b.fps = append(b.fps, fp[:]...)
	b.bookArgs = append(b.bookArgs, textArg(r.Values[w.p.KeyIndex]), blobArg(b.fps[start:len(b.fps):len(b.fps)]), intArg(id), blobArg(r.Skip))
	b.rows++
	return nil
}

// addUpdate queues a changed row.
func (w *sqliteWriter) addUpdate(b *sqliteBatch, r *load.Record, id int64, fp core.Fingerprint) error {
	args, err := w.values(make([]sqlArg, 0, len(w.p.Columns)+1), r)
	if err != nil {
		return err
	}
	b.updates = append(b.updates, sqliteUpdate{line: r.Line, key: r.Values[w.p.KeyIndex], fp: fp, skip: r.Skip, args: append(args, intArg(id))})
	return nil
}

// addSkip queues the new skip data of an unchanged row.
func (w *sqliteWriter) addSkip(b *sqliteBatch, r *load.Record) {
	b.skips = append(b.skips, sqliteSkip{key: r.Values[w.p.KeyIndex], skip: r.Skip})
}

// exec writes a batch: the new rows and their bookkeeping, then the
// changed rows in place and their fingerprints.
func (w *sqliteWriter) exec(ctx context.Context, b *sqliteBatch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if b.rows > 0 {
		q := w.insertSQL(b.rows)
		if _, err := w.run(ctx, q[0], b.args); err != nil {
			return fmt.Errorf("insert into %s: %w", w.p.Table, err)
		}
		if _, err := w.run(ctx, q[1], b.bookArgs); err != nil {
			return fmt.Errorf("record bookkeeping: %w", err)
		}
	}
	for _, u := range b.updates {
		if err := w.update(ctx, u); err != nil {
			return err
		}
	}
	q := "UPDATE handover_rows SET " + core.SkipColumn + " = ? WHERE entity = " + sqliteString(w.p.Entity.Name) + " AND key = ?"
	for _, sk := range b.skips {
		if _, err := w.run(ctx, q, []sqlArg{blobArg(sk.skip), textArg(sk.key)}); err != nil {
			return fmt.Errorf("record bookkeeping: %w", err)
		}
	}
	return nil
}

func (w *sqliteWriter) update(ctx context.Context, u sqliteUpdate) error {
	n, err := w.run(ctx, w.upd, u.args)
	if err != nil {
		return fmt.Errorf("update %s: %w", w.p.Table, err)
	}
	if n != 1 {
		id := u.args[len(u.args)-1].n
		return fmt.Errorf("line %d: row %v of key %q is missing from table %s", u.line, id, u.key, w.p.Table)
	}
	q := "UPDATE handover_rows SET fingerprint = ?, " + core.SkipColumn + " = ? WHERE entity = " + sqliteString(w.p.Entity.Name) + " AND key = ?"
	if _, err := w.run(ctx, q, []sqlArg{blobArg(u.fp[:]), blobArg(u.skip), textArg(u.key)}); err != nil {
		return fmt.Errorf("record bookkeeping: %w", err)
	}
	return nil
}

// run executes a statement, preparing it the first time, and returns how
// many rows it changed.
func (w *sqliteWriter) run(ctx context.Context, q string, args []sqlArg) (int64, error) {
	s, ok := w.stmts[q]
	if !ok {
		d, err := w.conn.PrepareContext(ctx, q)
		if err != nil {
			return 0, fmt.Errorf("prepare %.40q…: %w", q, err)
		}
		if s, err = prepare(d); err != nil {
			d.Close()
			return 0, err
		}
		w.stmts[q] = s
	}
	return w.c.exec(s, args)
}

// insertSQL returns the INSERT statements for n rows.
func (w *sqliteWriter) insertSQL(n int) [2]string {
	if q, ok := w.sqls[n]; ok {
		return q
	}
	cols := []string{sqliteQuote(core.IDColumn)}
	for _, c := range w.p.Columns {
		cols = append(cols, sqliteQuote(c))
	}
	q := [2]string{
		"INSERT INTO " + sqliteQuote(w.p.Table) + " (" + strings.Join(cols, ", ") + ") VALUES " + placeholders(n, len(cols)),
		"INSERT INTO handover_rows (entity, key, fingerprint, target_id, " + core.SkipColumn + ") SELECT " + sqliteString(w.p.Entity.Name) +
			", column1, column2, column3, column4 FROM (VALUES " + placeholders(n, 4) + ")",
	}
	w.sqls[n] = q
	return q
}

// values appends a record's values as SQLite stores them: text, or null
// for "", integers for int and bool, target ids for refs.
func (w *sqliteWriter) values(args []sqlArg, r *load.Record) ([]sqlArg, error) {
	for i, f := range w.p.Entity.Fields {
		v := r.Values[i]
		if v == "" {
			args = append(args, sqlArg{})
			continue
		}
		switch f.Type {
		case format.Int:
			n, ok := core.ParseInt(v)
			if !ok {
				return nil, core.ValueError(r, f, v)
			}
			args = append(args, intArg(n))
		case format.Bool:
			b, ok := core.ParseBool(v)
			if !ok {
				return nil, core.ValueError(r, f, v)
			}
			args = append(args, intArg(boolInt(b)))
		case format.Ref:
			e, ok := w.refs[i].Find(v)
			if !ok {
				return nil, fmt.Errorf("line %d: field %s: key %q not found in %s", r.Line, f.Name, v, f.Entity)
			}
			args = append(args, intArg(w.refs[i].IDs[e]))
		default:
			if !canonicalText(f.Type, v) {
				return nil, core.ValueError(r, f, v)
			}
			args = append(args, textArg(v))
		}
	}
	return args, nil
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func sqliteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// canonicalText checks the text forms whose shape a target relies on.
func canonicalText(t format.Type, v string) bool {
	switch t {
	case format.Decimal:
		return core.ValidDecimal(v)
	case format.Date:
		_, ok := core.ParseDate(v)
		return ok
	case format.Datetime:
		_, ok := core.ParseDatetime(v)
		return ok
	}
	return true
}

// placeholders returns "(?, ?), (?, ?)" for rows × cols.
func placeholders(rows, cols int) string {
	one := "(" + strings.Repeat("?, ", cols-1) + "?)"
	var b strings.Builder
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
	}
	return b.String()
}
