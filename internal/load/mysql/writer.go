package mysql

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
)

// insertRows is how many rows one INSERT statement takes.
const insertRows = 500

// writer writes one entity's new and changed rows and their bookkeeping
// with multi-row INSERT statements (changed ones … ON DUPLICATE KEY
// UPDATE, by id).
type writer struct {
	x        *tx
	p        *core.Mapping
	refs     []*core.Book
	ins, upd batch
	sqls     map[[2]int]string // statements by kind and rows

	load       bool // new rows go by LOAD DATA (loaddata.go) into rows and book
	rows, book tsv
	spare      [2]tsv     // the buffers of the chunk in flight, once it is done
	inflight   chan error // the chunk being loaded; nil when none
	vals       []any
}

// batch is the arguments of the rows of a statement and of their
// bookkeeping.
type batch struct {
	rows       int
	args, book []any
}

func newWriter(x *tx, p *core.Mapping, refs []*core.Book, load bool) *writer {
	return &writer{x: x, p: p, refs: refs, sqls: map[[2]int]string{}, load: load}
}

// close waits for the chunk in flight: nothing uses the connection behind
// the caller's back once Load returns.
func (w *writer) close() { w.wait() }

func (w *writer) insert(ctx context.Context, r *load.Record, id int64, fp core.Fingerprint) error {
	if !w.load {
		return w.add(ctx, &w.ins, false, r, id, fp)
	}
	vals, err := w.values(append(w.vals[:0], id), r)
	if err != nil {
		return err
	}
	w.vals = vals
	w.rows.row(vals)
	w.book.row(append(vals[:0], w.p.Entity.Name, r.Values[w.p.KeyIndex], fp[:], id))
	if w.rows.rows == loadRows {
		return w.flushLoad(ctx)
	}
	return nil
}

func (w *writer) update(ctx context.Context, r *load.Record, id int64, fp core.Fingerprint) error {
	return w.add(ctx, &w.upd, true, r, id, fp)
}

func (w *writer) add(ctx context.Context, b *batch, upsert bool, r *load.Record, id int64, fp core.Fingerprint) error {
	args, err := w.values(append(b.args, id), r)
	if err != nil {
		return err
	}
	b.args = args
	b.book = append(b.book, w.p.Entity.Name, r.Values[w.p.KeyIndex], append([]byte(nil), fp[:]...), id)
	b.rows++
	if b.rows == insertRows {
		return w.exec(ctx, b, upsert)
	}
	return nil
}

// flush writes what is buffered.
func (w *writer) flush(ctx context.Context) error {
	if err := w.exec(ctx, &w.ins, false); err != nil {
		return err
	}
	if err := w.flushLoad(ctx); err != nil {
		return err
	}
	if err := w.wait(); err != nil {
		return err
	}
	return w.exec(ctx, &w.upd, true)
}

func (w *writer) exec(ctx context.Context, b *batch, upsert bool) error {
	if b.rows == 0 {
		return nil
	}
	if err := w.wait(); err != nil {
		return err
	}
	kind := 0
	if upsert {
		kind = 1
	}
	if _, err := w.x.conn.ExecContext(ctx, w.statement(kind, b.rows), b.args...); err != nil {
		return w.x.t.fail("write "+w.p.Table, err)
	}
	if _, err := w.x.conn.ExecContext(ctx, w.statement(kind+2, b.rows), b.book...); err != nil {
		return w.x.t.fail("write bookkeeping", err)
	}
	b.rows, b.args, b.book = 0, b.args[:0], b.book[:0]
	return nil
}

// statement is the INSERT of n rows: kind 0 into the table, 1 the same
// updating by id, 2 into the bookkeeping, 3 the same updating.
func (w *writer) statement(kind, n int) string {
	if q, ok := w.sqls[[2]int{kind, n}]; ok {
		return q
	}
	var q string
	if kind < 2 {
		cols := []string{quote(core.IDColumn)}
		var set []string
		for _, c := range w.p.Columns {
			cols = append(cols, quote(c))
			set = append(set, quote(c)+" = VALUES("+quote(c)+")")
		}
		q = "INSERT INTO " + quote(w.p.Table) + " (" + strings.Join(cols, ", ") + ") VALUES " + placeholders(n, len(cols))
		if kind == 1 {
			q += " ON DUPLICATE KEY UPDATE " + strings.Join(set, ", ")
		}
	} else {
		q = "INSERT INTO handover_rows (entity, `key`, fingerprint, target_id) VALUES " + placeholders(n, 4)
		if kind == 3 {
			q += " ON DUPLICATE KEY UPDATE fingerprint = VALUES(fingerprint), target_id = VALUES(target_id)"
		}
	}
	w.sqls[[2]int{kind, n}] = q
	return q
}

// placeholders returns "(?, ?), (?, ?)" for rows × cols.
func placeholders(rows, cols int) string {
	one := "(" + strings.Repeat("?, ", cols-1) + "?)"
	return strings.Repeat(one+", ", rows-1) + one
}

// values appends a record's values as MySQL takes them: null for "",
// integers, booleans, target ids for refs, UTC times, text.
func (w *writer) values(args []any, r *load.Record) ([]any, error) {
	for i, f := range w.p.Entity.Fields {
		v, err := w.value(r, i, f)
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	return args, nil
}

func (w *writer) value(r *load.Record, i int, f *format.Field) (any, error) {
	v := r.Values[i]
	if v == "" {
		return nil, nil
	}
	switch f.Type {
	case format.Int:
		if n, ok := core.ParseInt(v); ok {
			return n, nil
		}
	case format.Bool:
		if b, ok := core.ParseBool(v); ok {
			return b, nil
		}
	case format.Ref:
		e, ok := w.refs[i].Find(v)
		if !ok {
			return nil, fmt.Errorf("line %d: field %s: key %q not found in %s", r.Line, f.Name, v, f.Entity)
		}
		return w.refs[i].IDs[e], nil
	case format.Date:
		if _, ok := core.ParseDate(v); ok {
			return v, nil
		}
	case format.Datetime:
		if t, ok := core.ParseDatetime(v); ok {
			return t.UTC().Format("2006-01-02 15:04:05.999999"), nil
		}
	case format.Decimal:
		if core.ValidDecimal(v) {
			if !fitsDecimal(v, scale(f)) {
				return nil, fmt.Errorf("line %d: field %s: %s has more digits than DECIMAL(65,%d) holds", r.Line, f.Name, v, scale(f))
			}
			return v, nil
		}
	default:
		if i == w.p.KeyIndex && utf8.RuneCountInString(v) > maxKeyLength {
			return nil, fmt.Errorf("line %d: the key %s is longer than %d characters", r.Line, f.Name, maxKeyLength)
		}
		if i != w.p.KeyIndex && f.Unique && utf8.RuneCountInString(v) > maxUniqueLength {
			return nil, fmt.Errorf("line %d: field %s: a unique value longer than %d characters (what MySQL's unique index takes)", r.Line, f.Name, maxUniqueLength)
		}
		return v, nil
	}
	return nil, core.ValueError(r, f, v)
}

// fitsDecimal reports whether a canonical decimal fits DECIMAL(65, scale)
// without rounding.
func fitsDecimal(v string, scale int) bool {
	whole, frac, _ := strings.Cut(strings.TrimPrefix(v, "-"), ".")
	whole = strings.TrimLeft(whole, "0")
	frac = strings.TrimRight(frac, "0")
	return len(whole) <= 65-scale && len(frac) <= scale
}
