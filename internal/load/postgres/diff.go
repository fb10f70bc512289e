package postgres

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
)

// BeginDiff starts a transaction that computes what an import would do.
func (t *pgTarget) BeginDiff(ctx context.Context, f *format.Format) (load.DiffTx, error) {
	tx, err := t.Begin(ctx, f)
	if err != nil {
		return nil, err
	}
	return core.NewDiffTx(tx.(*pgTx)), nil
}

func (x *pgTx) FreshBook(ctx context.Context, entity string) (*core.Book, error) {
	return x.readBook(ctx, entity)
}

// pgUTC renders a timestamptz in the canonical datetime form.
func pgUTC(col string) string {
	return `to_char(` + col + ` AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`
}

func (x *pgTx) Flagged(ctx context.Context, p *core.Mapping, ids []int64) (map[int64]string, error) {
	q := "SELECT " + pgQuote(core.IDColumn) + ", " + pgUTC(core.RemovedAtColumn) + " FROM " + pgQuote(p.Table) +
		" WHERE " + core.RemovedAtColumn + " IS NOT NULL AND " + pgQuote(core.IDColumn) + " = ANY($1)"
	rows, err := x.tx.Query(ctx, q, ids)
	if err != nil {
		return nil, x.t.fail("read removed_at of "+p.Table, err)
	}
	out := map[int64]string{}
	var id int64
	var at string
	if _, err := pgx.ForEachRow(rows, []any{&id, &at}, func() error { out[id] = at; return nil }); err != nil {
		return nil, x.t.fail("read removed_at of "+p.Table, err)
	}
	return out, nil
}

// pgCanonical is the SQL that renders a field's column as canonical text;
// a ref stays the target id.
func pgCanonical(t format.Type, col string) string {
	switch t {
	case format.Date:
		return "to_char(" + col + ", 'YYYY-MM-DD')"
	case format.Datetime:
		return pgUTC(col)
	}
	return col + "::text"
}

func (x *pgTx) Current(ctx context.Context, p *core.Mapping, ids []int64) (map[int64][]string, error) {
	exprs := []string{pgQuote(core.IDColumn)}
	for i, f := range p.Entity.Fields {
		exprs = append(exprs, pgCanonical(f.Type, pgQuote(p.Columns[i])))
	}
	q := "SELECT " + strings.Join(exprs, ", ") + " FROM " + pgQuote(p.Table) + " WHERE " + pgQuote(core.IDColumn) + " = ANY($1)"
	rows, err := x.tx.Query(ctx, q, ids)
	if err != nil {
		return nil, x.t.fail("read rows of "+p.Table, err)
	}
	defer rows.Close()
	out := map[int64][]string{}
	for rows.Next() {
		var id int64
		vals := make([]*string, len(p.Columns))
		dest := []any{&id}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, x.t.fail("read rows of "+p.Table, err)
		}
		text := make([]string, len(vals))
		for i, v := range vals {
			if v != nil {
				text[i] = *v
			}
		}
		out[id] = text
	}
	if err := rows.Err(); err != nil {
		return nil, x.t.fail("read rows of "+p.Table, err)
	}
	return out, nil
}

func (x *pgTx) KeysOfIDs(ctx context.Context, entity string, ids []int64) (map[int64]string, error) {
	const q = "SELECT target_id, key FROM handover_rows WHERE entity = $1 AND target_id = ANY($2)"
	rows, err := x.tx.Query(ctx, q, entity, ids)
	if err != nil {
		return nil, x.t.fail("read keys of "+entity, err)
	}
	out := map[int64]string{}
	var id int64
	var key string
	if _, err := pgx.ForEachRow(rows, []any{&id, &key}, func() error { out[id] = key; return nil }); err != nil {
		return nil, x.t.fail("read keys of "+entity, err)
	}
	return out, nil
}
