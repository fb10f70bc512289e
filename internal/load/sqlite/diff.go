package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
)

// BeginDiff starts a transaction that computes what an import would do.
func (t *sqliteTarget) BeginDiff(ctx context.Context, f *format.Format) (load.DiffTx, error) {
	tx, err := t.begin(ctx, f, false)
	if err != nil {
		return nil, err
	}
	return core.NewDiffTx(tx), nil
}

// FreshBook reads an entity's bookkeeping into a bookIndex sized first
// (counting costs a fifth of what growing the index would).
func (x *sqliteTx) FreshBook(ctx context.Context, entity string) (*core.Book, error) {
	var n, keyBytes int64
	const count = "SELECT count(*), coalesce(sum(length(CAST(key AS BLOB))), 0) FROM handover_rows WHERE entity = ?"
	if err := x.tx.QueryRowContext(ctx, count, entity).Scan(&n, &keyBytes); err != nil {
		return nil, fmt.Errorf("read bookkeeping of %s: %w", entity, err)
	}
	b := core.NewSizedBook(n, keyBytes)
	rows, err := x.tx.QueryContext(ctx, "SELECT key, target_id, fingerprint FROM handover_rows WHERE entity = ?", entity)
	if err != nil {
		return nil, fmt.Errorf("read bookkeeping of %s: %w", entity, err)
	}
	defer rows.Close()
	var k, fp sql.RawBytes
	var id int64
	for rows.Next() {
		if err := rows.Scan(&k, &id, &fp); err != nil {
			return nil, fmt.Errorf("read bookkeeping of %s: %w", entity, err)
		}
		if len(fp) != len(core.Fingerprint{}) {
			return nil, fmt.Errorf("read bookkeeping of %s: key %q has a fingerprint of %d bytes", entity, k, len(fp))
		}
		b.Add(string(k), core.Fingerprint(fp), id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read bookkeeping of %s: %w", entity, err)
	}
	return b, nil
}

// queryJSON runs q with list as its last parameter, a JSON array, and
// calls fn for every row.
func (x *sqliteTx) queryJSON(ctx context.Context, q string, list any, fn func(scan func(...any) error) error, args ...any) error {
	b, err := json.Marshal(list)
	if err != nil {
		return err
	}
	rows, err := x.tx.QueryContext(ctx, q, append(args, string(b))...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (x *sqliteTx) Flagged(ctx context.Context, p *core.Mapping, ids []int64) (map[int64]string, error) {
	q := "SELECT " + sqliteQuote(core.IDColumn) + ", " + core.RemovedAtColumn + " FROM " + sqliteQuote(p.Table) +
		" WHERE " + core.RemovedAtColumn + " IS NOT NULL AND " + sqliteQuote(core.IDColumn) + sqliteInList
	out := map[int64]string{}
	err := x.queryJSON(ctx, q, ids, func(scan func(...any) error) error {
		var id int64
		var at string
		if err := scan(&id, &at); err != nil {
			return err
		}
		out[id] = at
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read removed_at of %s: %w", p.Table, err)
	}
	return out, nil
}

func (x *sqliteTx) Current(ctx context.Context, p *core.Mapping, ids []int64) (map[int64][]string, error) {
	cols := []string{sqliteQuote(core.IDColumn)}
	for _, c := range p.Columns {
		cols = append(cols, sqliteQuote(c))
	}
	q := "SELECT " + strings.Join(cols, ", ") + " FROM " + sqliteQuote(p.Table) + " WHERE " + sqliteQuote(core.IDColumn) + sqliteInList
	out := map[int64][]string{}
	err := x.queryJSON(ctx, q, ids, func(scan func(...any) error) error {
		raw := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range raw {
			ptrs[i] = &raw[i]
		}
		if err := scan(ptrs...); err != nil {
			return err
		}
		id, ok := raw[0].(int64)
		if !ok {
			return fmt.Errorf("id %v is not an integer", raw[0])
		}
		vals := make([]string, len(p.Columns))
		for i, f := range p.Entity.Fields {
			vals[i] = sqliteCanonical(f.Type, raw[i+1])
		}
		out[id] = vals
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read rows of %s: %w", p.Table, err)
	}
	return out, nil
}

// sqliteCanonical renders a stored value in the field's canonical text
// form; a ref stays the target id.
func sqliteCanonical(t format.Type, v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case int64:
		if t == format.Bool {
			return strconv.FormatBool(v != 0)
		}
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case []byte:
		return string(v)
	case string:
		return v
	}
	return fmt.Sprint(v)
}

func (x *sqliteTx) KeysOfIDs(ctx context.Context, entity string, ids []int64) (map[int64]string, error) {
	q := "SELECT target_id, key FROM handover_rows WHERE entity = ? AND target_id" + sqliteInList
	out := map[int64]string{}
	err := x.queryJSON(ctx, q, ids, func(scan func(...any) error) error {
		var id int64
		var key string
		if err := scan(&id, &key); err != nil {
			return err
		}
		out[id] = key
		return nil
	}, entity)
	if err != nil {
		return nil, fmt.Errorf("read keys of %s: %w", entity, err)
	}
	return out, nil
}
