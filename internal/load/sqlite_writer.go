package load

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/handover/handover/internal/format"
)

// sqliteInsertRows is how many rows one INSERT statement carries.
const sqliteInsertRows = 64

// sqliteWriter writes one entity's rows and bookkeeping with prepared
// statements; inserts are gathered into multi-row statements.
type sqliteWriter struct {
	tx    *sql.Tx
	p     *plan
	refs  []bookMap
	stmts map[string]*sql.Stmt
	sqls  map[int][2]string // multi-row inserts by row count: target, bookkeeping

	rows     int   // rows pending in args
	args     []any // pending target rows: id, then a value per field
	bookArgs []any // pending bookkeeping rows: entity, key, fingerprint, id
	fps      []byte
}

func newSQLiteWriter(tx *sql.Tx, p *plan, refs []bookMap) *sqliteWriter {
	return &sqliteWriter{tx: tx, p: p, refs: refs, stmts: map[string]*sql.Stmt{}, sqls: map[int][2]string{},
		fps: make([]byte, 0, sqliteInsertRows*len(fingerprint{}))}
}

func (w *sqliteWriter) close() {
	for _, s := range w.stmts {
		s.Close()
	}
}

// stmt prepares a statement once.
func (w *sqliteWriter) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if s, ok := w.stmts[q]; ok {
		return s, nil
	}
	s, err := w.tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare %.40q…: %w", q, err)
	}
	w.stmts[q] = s
	return s, nil
}

// insert queues a new row with the id it gets.
func (w *sqliteWriter) insert(ctx context.Context, r *Record, id int64, fp fingerprint) error {
	w.args = append(w.args, id)
	var err error
	if w.args, err = w.values(w.args, r); err != nil {
		return err
	}
	start := len(w.fps)
	w.fps = append(w.fps, fp[:]...)
	w.bookArgs = append(w.bookArgs, w.p.e.Name, r.Values[w.p.key], w.fps[start:len(w.fps):len(w.fps)], id)
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
	if err := w.exec(ctx, q[0], w.args); err != nil {
		return fmt.Errorf("insert into %s: %w", w.p.table, err)
	}
	if err := w.exec(ctx, q[1], w.bookArgs); err != nil {
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
		"INSERT INTO handover_rows (entity, key, fingerprint, target_id) VALUES " + placeholders(n, 4),
	}
	w.sqls[n] = q
	return q
}

func (w *sqliteWriter) exec(ctx context.Context, q string, args []any) error {
	s, err := w.stmt(ctx, q)
	if err != nil {
		return err
	}
	_, err = s.ExecContext(ctx, args...)
	return err
}

// update rewrites a changed row in place and its fingerprint.
func (w *sqliteWriter) update(ctx context.Context, r *Record, id int64, key string, fp fingerprint) error {
	args, err := w.values(make([]any, 0, len(w.p.columns)+1), r)
	if err != nil {
		return err
	}
	s, err := w.stmt(ctx, w.updateSQL())
	if err != nil {
		return err
	}
	res, err := s.ExecContext(ctx, append(args, id)...)
	if err != nil {
		return fmt.Errorf("update %s: %w", w.p.table, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("line %d: row %d of key %q is missing from table %s", r.Line, id, key, w.p.table)
	}
	const q = "UPDATE handover_rows SET fingerprint = ? WHERE entity = ? AND key = ?"
	if err := w.exec(ctx, q, []any{fp[:], w.p.e.Name, key}); err != nil {
		return fmt.Errorf("record bookkeeping: %w", err)
	}
	return nil
}

func (w *sqliteWriter) updateSQL() string {
	sets := make([]string, len(w.p.columns))
	for i, c := range w.p.columns {
		sets[i] = sqliteQuote(c) + " = ?"
	}
	return "UPDATE " + sqliteQuote(w.p.table) + " SET " + strings.Join(sets, ", ") + " WHERE " + sqliteQuote(idColumn) + " = ?"
}

// values appends a record's values as SQLite stores them: text, or null
// for "", integers for int and bool, target ids for refs.
func (w *sqliteWriter) values(args []any, r *Record) ([]any, error) {
	for i, f := range w.p.e.Fields {
		v := r.Values[i]
		if v == "" {
			args = append(args, nil)
			continue
		}
		switch f.Type {
		case format.Int:
			n, ok := parseInt(v)
			if !ok {
				return nil, valueError(r, f, v)
			}
			args = append(args, n)
		case format.Bool:
			b, ok := parseBool(v)
			if !ok {
				return nil, valueError(r, f, v)
			}
			args = append(args, boolInt(b))
		case format.Ref:
			e, ok := w.refs[i][v]
			if !ok {
				return nil, fmt.Errorf("line %d: field %s: key %q not found in %s", r.Line, f.Name, v, f.Entity)
			}
			args = append(args, e.id)
		default:
			if !canonicalText(f.Type, v) {
				return nil, valueError(r, f, v)
			}
			args = append(args, v)
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
