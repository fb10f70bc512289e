package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/handover/handover/internal/fixup"
	"github.com/handover/handover/internal/load/internal/core"
)

// sqliteFixupBatch is how many rows one UPDATE of a fix-up pass sets.
const sqliteFixupBatch = 256

// sqliteFixup runs fix-ups on SQLite: rows read a page at a time by id,
// keys resolved with one query per chunk, changes written with prepared
// UPDATE … FROM (VALUES …) statements of up to sqliteFixupBatch rows.
type sqliteFixup struct {
	x     *sqliteTx
	stmts map[int]*sql.Stmt // the group's updates, by row count
}

func (b *sqliteFixup) close() {
	for _, s := range b.stmts {
		s.Close()
	}
	b.stmts = nil
}

// FixupScan pages through the rows by id. Without a regular expression
// in SQLite, rows are prefiltered by a text every match contains, when
// each rule has one, else only by the field being set.
func (b *sqliteFixup) FixupScan(ctx context.Context, p *core.Mapping, col int, g *fixup.Group, fn func([]fixup.Row) error) error {
	column := sqliteQuote(p.Columns[col])
	where, args := column+" IS NOT NULL", []any{}
	if lits := core.Literals(g); lits != nil {
		var or []string
		for _, l := range lits {
			or = append(or, "instr("+column+", ?) > 0")
			args = append(args, l)
		}
		where += " AND (" + strings.Join(or, " OR ") + ")"
	}
	q := "SELECT " + sqliteQuote(core.IDColumn) + ", CAST(" + sqliteQuote(p.Columns[p.KeyIndex]) + " AS TEXT), " + column +
		" FROM " + sqliteQuote(p.Table) + " WHERE " + sqliteQuote(core.IDColumn) + " > ? AND " + where +
		" ORDER BY " + sqliteQuote(core.IDColumn) + fmt.Sprintf(" LIMIT %d", core.FixupChunk)
	var last int64 = -1 << 63
	rows := make([]fixup.Row, 0, core.FixupChunk)
	for {
		var err error
		rows, err = b.page(ctx, q, append([]any{last}, args...), rows[:0])
		if err != nil {
			return fmt.Errorf("read %s: %w", p.Table, err)
		}
		n := len(rows)
		if n == 0 {
			return nil
		}
		last = rows[n-1].ID // before fn, which may reorder rows
		if err := fn(rows); err != nil {
			return err
		}
		if n < core.FixupChunk {
			return nil
		}
	}
}

func (b *sqliteFixup) page(ctx context.Context, q string, args []any, out []fixup.Row) ([]fixup.Row, error) {
	rs, err := b.x.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	for rs.Next() {
		var r fixup.Row
		var key sql.NullString
		if err := rs.Scan(&r.ID, &key, &r.Text); err != nil {
			return nil, err
		}
		r.Key = key.String
		out = append(out, r)
	}
	return out, rs.Err()
}

// FixupLookup looks keys up in the bookkeeping, all in one query.
func (b *sqliteFixup) FixupLookup(ctx context.Context, entity string, keys []string) (map[string]int64, error) {
	list, err := json.Marshal(keys)
	if err != nil {
		return nil, err
	}
	const q = "SELECT key, target_id FROM handover_rows WHERE entity = ? AND key IN (SELECT value FROM json_each(?))"
	return b.keyMap(ctx, len(keys), q, entity, string(list))
}

// FixupAllKeys reads an entity's whole key → id map.
func (b *sqliteFixup) FixupAllKeys(ctx context.Context, entity string) (map[string]int64, error) {
	return b.keyMap(ctx, 0, "SELECT key, target_id FROM handover_rows WHERE entity = ?", entity)
}

// FixupKeyCount counts an entity's keys.
func (b *sqliteFixup) FixupKeyCount(ctx context.Context, entity string) (int, error) {
	var n int
	err := b.x.tx.QueryRowContext(ctx, "SELECT count(*) FROM handover_rows WHERE entity = ?", entity).Scan(&n)
	return n, err
}

// FixupIDs reads the table's id range.
func (b *sqliteFixup) FixupIDs(ctx context.Context, p *core.Mapping) (int64, int64, error) {
	var lo, hi int64
	q := "SELECT coalesce(min(" + sqliteQuote(core.IDColumn) + "), 0), coalesce(max(" + sqliteQuote(core.IDColumn) + "), 0) FROM " + sqliteQuote(p.Table)
	if err := b.x.tx.QueryRowContext(ctx, q).Scan(&lo, &hi); err != nil {
		return 0, 0, fmt.Errorf("read the ids of %s: %w", p.Table, err)
	}
	return lo, hi, nil
}

func (b *sqliteFixup) keyMap(ctx context.Context, size int, q string, args ...any) (map[string]int64, error) {
	rs, err := b.x.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := make(map[string]int64, size)
	for rs.Next() {
		var k string
		var id int64
		if err := rs.Scan(&k, &id); err != nil {
			return nil, err
		}
		out[k] = id
	}
	return out, rs.Err()
}

// FixupWrite updates the rows right away: the scan goes on past them.
func (b *sqliteFixup) FixupWrite(ctx context.Context, p *core.Mapping, col int, rows []fixup.Row) error {
	args := make([]any, 0, 2*sqliteFixupBatch)
	for len(rows) > 0 {
		n := min(len(rows), sqliteFixupBatch)
		stmt, err := b.update(ctx, p, col, n)
		if err != nil {
			return err
		}
		args = args[:0]
		for _, r := range rows[:n] {
			args = append(args, r.ID, r.Text)
		}
		res, err := stmt.ExecContext(ctx, args...)
		if err != nil {
			return fmt.Errorf("update %s: %w", p.Table, err)
		}
		if got, err := res.RowsAffected(); err != nil || got != int64(n) {
			return fmt.Errorf("update %s: %d of %d rewritten rows are missing", p.Table, int64(n)-got, n)
		}
		rows = rows[n:]
	}
	return nil
}

// update prepares, once per group and size, the UPDATE of n rows.
func (b *sqliteFixup) update(ctx context.Context, p *core.Mapping, col, n int) (*sql.Stmt, error) {
	if s := b.stmts[n]; s != nil {
		return s, nil
	}
	q := "UPDATE " + sqliteQuote(p.Table) + " SET " + sqliteQuote(p.Columns[col]) + " = v.column2 FROM (VALUES " +
		placeholders(n, 2) + ") AS v WHERE " + sqliteQuote(p.Table) + "." + sqliteQuote(core.IDColumn) + " = v.column1"
	s, err := b.x.tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare update of %s: %w", p.Table, err)
	}
	if b.stmts == nil {
		b.stmts = map[int]*sql.Stmt{}
	}
	b.stmts[n] = s
	return s, nil
}

// FixupFlush ends a group: the next one updates another column.
func (b *sqliteFixup) FixupFlush(context.Context, *core.Mapping, int) error {
	b.close()
	return nil
}

// Fixup runs fix-up rules over the environment's current rows, inside the
// import's transaction.
func (x *sqliteTx) Fixup(ctx context.Context, rules []*fixup.Rule, report func(fixup.Unresolved) error) ([]fixup.Counts, error) {
	if err := core.FixupReady(x.Done, x.Failed); err != nil {
		return nil, err
	}
	b := &sqliteFixup{x: x}
	defer b.close()
	c, err := core.RunFixups(ctx, b, &x.TxState, rules, report)
	if err != nil {
		x.Failed = err
	}
	return c, err
}
