package mysql

import (
	"context"
	"database/sql"
	"strings"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load/internal/core"
)

// utc is the canonical text of a DATETIME column: RFC 3339 in UTC.
func utc(col string) string {
	return "DATE_FORMAT(" + col + ", '%Y-%m-%dT%H:%i:%s.%fZ')"
}

// canonicalTime trims the zero microseconds DATE_FORMAT writes.
func canonicalTime(s string) string {
	if head, frac, ok := strings.Cut(strings.TrimSuffix(s, "Z"), "."); ok {
		if frac = strings.TrimRight(frac, "0"); frac != "" {
			return head + "." + frac + "Z"
		}
		return head + "Z"
	}
	return s
}

// Flagged returns the removed_at of those of ids that have one.
func (x *tx) Flagged(ctx context.Context, p *core.Mapping, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	err := core.Chunks(ids, listChunk, func(ids []int64) error {
		q := "SELECT " + quote(core.IDColumn) + ", " + utc(quote(core.RemovedAtColumn)) + " FROM " + quote(p.Table) +
			" WHERE " + quote(core.RemovedAtColumn) + " IS NOT NULL AND " + quote(core.IDColumn) + in(len(ids))
		return x.scan(ctx, q, anys(ids), func(id int64, vals []sql.NullString) {
			out[id] = canonicalTime(vals[0].String)
		}, 1)
	})
	return out, err
}

// Current returns the canonical values of rows ids, a ref as the target id.
func (x *tx) Current(ctx context.Context, p *core.Mapping, ids []int64) (map[int64][]string, error) {
	cols := make([]string, len(p.Columns))
	for i, f := range p.Entity.Fields {
		c := quote(p.Columns[i])
		switch f.Type {
		case format.Datetime:
			c = utc(c)
		case format.Bool:
			c = "CASE WHEN " + c + " IS NULL THEN NULL WHEN " + c + " THEN 'true' ELSE 'false' END"
		}
		cols[i] = c
	}
	out := map[int64][]string{}
	err := core.Chunks(ids, listChunk, func(ids []int64) error {
		q := "SELECT " + quote(core.IDColumn) + ", " + strings.Join(cols, ", ") + " FROM " + quote(p.Table) +
			" WHERE " + quote(core.IDColumn) + in(len(ids))
		return x.scan(ctx, q, anys(ids), func(id int64, vals []sql.NullString) {
			row := make([]string, len(vals))
			for i, v := range vals {
				if !v.Valid {
					continue
				}
				row[i] = v.String
				switch p.Entity.Fields[i].Type {
				case format.Datetime:
					row[i] = canonicalTime(v.String)
				case format.Decimal:
					row[i] = canonicalDecimal(v.String, p.Entity.Fields[i].Scale)
				}
			}
			out[id] = row
		}, len(cols))
	})
	return out, err
}

// canonicalDecimal trims the zeros DECIMAL(65,30) adds to a decimal
// without a declared scale.
func canonicalDecimal(s string, scale int) string {
	if scale >= 0 || !strings.Contains(s, ".") {
		return s
	}
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// KeysOfIDs maps target ids of entity to their source keys.
func (x *tx) KeysOfIDs(ctx context.Context, entity string, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	err := core.Chunks(ids, listChunk, func(ids []int64) error {
		q := "SELECT target_id, `key` FROM handover_rows WHERE entity = ? AND target_id" + in(len(ids))
		return x.scan(ctx, q, append([]any{entity}, anys(ids)...), func(id int64, vals []sql.NullString) {
			out[id] = vals[0].String
		}, 1)
	})
	return out, err
}

// scan runs q and calls fn with each row's leading id and n values.
func (x *tx) scan(ctx context.Context, q string, args []any, fn func(int64, []sql.NullString), n int) error {
	rows, err := x.conn.QueryContext(ctx, q, args...)
	if err != nil {
		return x.t.fail("read rows", err)
	}
	defer rows.Close()
	vals := make([]sql.NullString, n)
	ptrs := make([]any, n+1)
	var id int64
	ptrs[0] = &id
	for i := range vals {
		ptrs[i+1] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return x.t.fail("read rows", err)
		}
		fn(id, vals)
	}
	if err := rows.Err(); err != nil {
		return x.t.fail("read rows", err)
	}
	return nil
}
