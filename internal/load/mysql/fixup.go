package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/handover/handover/internal/fixup"
	"github.com/handover/handover/internal/load/internal/core"
)

// Fixup runs fix-up rules over the environment's current rows, inside the
// import's transaction.
func (x *tx) Fixup(ctx context.Context, rules []*fixup.Rule, report func(fixup.Unresolved) error) ([]fixup.Counts, error) {
	if err := core.FixupReady(x.Done, x.Failed); err != nil {
		return nil, err
	}
	c, err := core.RunFixups(ctx, fixups{x}, &x.TxState, rules, report)
	if err != nil {
		x.Failed = err
	}
	return c, err
}

// fixups is what a fix-up pass needs of the transaction.
type fixups struct{ x *tx }

// FixupScan pages through the rows by id, prefiltered by a text every
// match contains when each rule has one (MySQL's regular expressions are
// not Go's), else only by the field being set.
func (b fixups) FixupScan(ctx context.Context, p *core.Mapping, col int, g *fixup.Group, fn func([]fixup.Row) error) error {
	column := quote(p.Columns[col])
	where, args := column+" IS NOT NULL", []any{}
	if lits := core.Literals(g); lits != nil {
		var or []string
		for _, l := range lits {
			or = append(or, "INSTR("+column+", ?) > 0")
			args = append(args, l)
		}
		where += " AND (" + strings.Join(or, " OR ") + ")"
	}
	id := quote(core.IDColumn)
	q := "SELECT " + id + ", CAST(" + quote(p.Columns[p.KeyIndex]) + " AS CHAR), " + column + " FROM " + quote(p.Table) +
		" WHERE " + id + " > ? AND " + where + " ORDER BY " + id + fmt.Sprintf(" LIMIT %d", core.FixupChunk)
	last := int64(-1 << 63)
	var page []fixup.Row
	for {
		var err error
		page = page[:0]
		err = b.x.scan(ctx, q, append([]any{last}, args...), func(id int64, vals []sql.NullString) {
			page = append(page, fixup.Row{ID: id, Key: vals[0].String, Text: vals[1].String})
		}, 2)
		if err != nil || len(page) == 0 {
			return err
		}
		last = page[len(page)-1].ID
		if err := fn(page); err != nil {
			return err
		}
		if len(page) < core.FixupChunk {
			return nil
		}
	}
}

// FixupLookup returns the target ids of those of keys entity holds.
func (b fixups) FixupLookup(ctx context.Context, entity string, keys []string) (map[string]int64, error) {
	out := make(map[string]int64, len(keys))
	err := core.Chunks(keys, listChunk, func(ks []string) error {
		q := "SELECT target_id, `key` FROM handover_rows WHERE entity = ? AND `key`" + in(len(ks))
		return b.x.scan(ctx, q, append([]any{entity}, anys(ks)...), func(id int64, vals []sql.NullString) {
			out[vals[0].String] = id
		}, 1)
	})
	return out, err
}

// FixupAllKeys returns the target id of every key entity holds.
func (b fixups) FixupAllKeys(ctx context.Context, entity string) (map[string]int64, error) {
	out := map[string]int64{}
	q := "SELECT target_id, `key` FROM handover_rows WHERE entity = ?"
	err := b.x.scan(ctx, q, []any{entity}, func(id int64, vals []sql.NullString) { out[vals[0].String] = id }, 1)
	return out, err
}

// FixupKeyCount returns how many keys entity holds.
func (b fixups) FixupKeyCount(ctx context.Context, entity string) (int, error) {
	var n int
	if err := b.x.conn.QueryRowContext(ctx, "SELECT count(*) FROM handover_rows WHERE entity = ?", entity).Scan(&n); err != nil {
		return 0, b.x.t.fail("count keys of "+entity, err)
	}
	return n, nil
}

// FixupIDs returns the lowest and highest id of p's table.
func (b fixups) FixupIDs(ctx context.Context, p *core.Mapping) (int64, int64, error) {
	var lo, hi int64
	id := quote(core.IDColumn)
	q := "SELECT coalesce(min(" + id + "), 0), coalesce(max(" + id + "), 0) FROM " + quote(p.Table)
	if err := b.x.conn.QueryRowContext(ctx, q).Scan(&lo, &hi); err != nil {
		return 0, 0, b.x.t.fail("read the ids of "+p.Table, err)
	}
	return lo, hi, nil
}

// FixupWrite sets field col of rows to their Text, one UPDATE per chunk.
func (b fixups) FixupWrite(ctx context.Context, p *core.Mapping, col int, rows []fixup.Row) error {
	id, column := quote(core.IDColumn), quote(p.Columns[col])
	return core.Chunks(rows, insertRows, func(rs []fixup.Row) error {
		args := make([]any, 0, 3*len(rs))
		q := "UPDATE " + quote(p.Table) + " SET " + column + " = CASE " + id + strings.Repeat(" WHEN ? THEN ?", len(rs)) +
			" END WHERE " + id + in(len(rs))
		for _, r := range rs {
			args = append(args, r.ID, r.Text)
		}
		for _, r := range rs {
			args = append(args, r.ID)
		}
		return b.x.exec(ctx, "rewrite "+p.Table+"."+p.Columns[col], q, args...)
	})
}

// FixupFlush does nothing: writes are not buffered.
func (fixups) FixupFlush(context.Context, *core.Mapping, int) error { return nil }
