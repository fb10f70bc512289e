package load

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"

	"github.com/handover/handover/internal/format"
)

// sqliteInsertRows is how many rows one INSERT statement carries.
const sqliteInsertRows = 64

// sqliteWriter writes one entity's rows and bookkeeping with prepared
// statements, straight on the driver's connection (database/sql would
// copy and check every argument again); inserts are gathered into
// multi-row statements.
type sqliteWriter struct {
	conn  driver.ConnPrepareContext
	p     *plan
	refs  []bookMap
	stmts map[string]driver.Stmt
	sqls  map[int][2]string // multi-row inserts by row count: target, bookkeeping
	upd   string

	rows     int                 // rows pending in args
	args     []driver.NamedValue // pending target rows: id, then a value per field
	bookArgs []driver.NamedValue // pending bookkeeping rows: key, fingerprint, id
	fps      []byte
}

func newSQLiteWriter(conn driver.ConnPrepareContext, p *plan, refs []bookMap) *sqliteWriter {
	return &sqliteWriter{conn: conn, p: p, refs: refs, stmts: map[string]driver.Stmt{}, sqls: map[int][2]string{},
		fps: make([]byte, 0, sqliteInsertRows*len(fingerprint{}))}
}

func (w *sqliteWriter) close() {
	for _, s := range w.stmts {
		s.Close()
	}
}

// stmt prepares a statement once.
func (w *sqliteWriter) stmt(ctx context.Context, q string) (driver.Stmt, error) {
	if s, ok := w.stmts[q]; ok {
		return s, nil
	}
	s, err := w.conn.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare %.40q…: %w", q, err)
	}
	w.stmts[q] = s
	return s, nil
}

func (w *sqliteWriter) exec(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	s, err := w.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.(driver.StmtExecContext).ExecContext(ctx, args)
}

// arg appends a positional argument.
func arg(args []driver.NamedValue, v driver.Value) []driver.NamedValue {
	return append(args, driver.NamedValue{Ordinal: len(args) + 1, Value: v})
}

// insert queues a new row with the id it gets.
func (w *sqliteWriter) insert(ctx context.Context, r *Record, id int64, fp fingerprint) error {
	w.args = arg(w.args, id)
	var err error
	if w.args, err = w.values(w.args, r); err != nil {
		return err
	}
	start := len(w.fps)
	w.fps = append(w.fps, fp[:]...)
	w.bookArgs = arg(w.bookArgs, r.Values[w.p.key])
	w.bookArgs = arg(w.bookArgs, w.fps[start:len(w.fps):len(w.fps)])
	w.bookArgs = arg(w.bookArgs, id)
	w.rows++
	if w.rows == sqliteInsertRows {
		return w.flush(ctx)
	}
	return nil
}

// flush writes the queued rows and their bookkeeping.
func (w *sqliteWriter) flush(ctx context.Context) error {
	if w.rows == 0 {
		return nil
	}
	q := w.insertSQL(w.rows)
	if _, err := w.exec(ctx, q[0], w.args); err != nil {
		return fmt.Errorf("insert into %s: %w", w.p.table, err)
	}
	if _, err := w.exec(ctx, q[1], w.bookArgs); err != nil {
		return fmt.Errorf("record bookkeeping: %w", err)
	}
	w.rows, w.args, w.bookArgs, w.fps = 0, w.args[:0], w.bookArgs[:0], w.fps[:0]
	return nil
}

// insertSQL returns the INSERT statements for n rows.
func (w *sqliteWriter) insertSQL(n int) [2]string {
	if q, ok := w.sqls[n]; ok {
		return q
	}
	cols := []string{sqliteQuote(idColumn)}
	for _, c := range w.p.columns {
		cols = append(cols, sqliteQuote(c))
	}
	q := [2]string{
		"INSERT INTO " + sqliteQuote(w.p.table) + " (" + strings.Join(cols, ", ") + ") VALUES " + placeholders(n, len(cols)),
		"INSERT INTO handover_rows (entity, key, fingerprint, target_id) SELECT " + sqliteString(w.p.e.Name) +
			", column1, column2, column3 FROM (VALUES " + placeholders(n, 3) + ")",
	}
	w.sqls[n] = q
	return q
}

// update rewrites a changed row in place and its fingerprint.
func (w *sqliteWriter) update(ctx context.Context, r *Record, id int64, key string, fp fingerprint) error {
	args, err := w.values(make([]driver.NamedValue, 0, len(w.p.columns)+1), r)
	if err != nil {
		return err
	}
	res, err := w.exec(ctx, w.updateSQL(), arg(args, id))
	if err != nil {
		return fmt.Errorf("update %s: %w", w.p.table, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("line %d: row %d of key %q is missing from table %s", r.Line, id, key, w.p.table)
	}
	q := "UPDATE handover_rows SET fingerprint = ? WHERE entity = " + sqliteString(w.p.e.Name) + " AND key = ?"
	if _, err := w.exec(ctx, q, arg(arg(nil, fp[:]), key)); err != nil {
		return fmt.Errorf("record bookkeeping: %w", err)
	}
	return nil
}

func (w *sqliteWriter) updateSQL() string {
	if w.upd == "" {
		sets := make([]string, len(w.p.columns))
		for i, c := range w.p.columns {
			sets[i] = sqliteQuote(c) + " = ?"
		}
		w.upd = "UPDATE " + sqliteQuote(w.p.table) + " SET " + strings.Join(sets, ", ") + " WHERE " + sqliteQuote(idColumn) + " = ?"
	}
	return w.upd
}

// values appends a record's values as SQLite stores them: text, or null
// for "", integers for int and bool, target ids for refs.
func (w *sqliteWriter) values(args []driver.NamedValue, r *Record) ([]driver.NamedValue, error) {
	for i, f := range w.p.e.Fields {
		v := r.Values[i]
		if v == "" {
			args = arg(args, nil)
			continue
		}
		switch f.Type {
		case format.Int:
			n, ok := parseInt(v)
			if !ok {
				return nil, valueError(r, f, v)
			}
			args = arg(args, n)
		case format.Bool:
			b, ok := parseBool(v)
			if !ok {
				return nil, valueError(r, f, v)
			}
			args = arg(args, boolInt(b))
		case format.Ref:
			e, ok := w.refs[i][v]
			if !ok {
				return nil, fmt.Errorf("line %d: field %s: key %q not found in %s", r.Line, f.Name, v, f.Entity)
			}
			args = arg(args, e.id)
		default:
			if !canonicalText(f.Type, v) {
				return nil, valueError(r, f, v)
			}
			args = arg(args, v)
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
		return validDecimal(v)
	case format.Date:
		_, ok := parseDate(v)
		return ok
	case format.Datetime:
		_, ok := parseDatetime(v)
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
