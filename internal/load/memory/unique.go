package memory

import (
	"context"
	"fmt"
	"slices"

	"github.com/handover/handover/internal/format"
)

// UniqueValues streams the values the table holds in a unique field, with
// their rows' keys (load.UniqueValues), in the order of the rows' ids.
func (x *tx) UniqueValues(ctx context.Context, e *format.Entity, i int, fn func(value, key string) error) error {
	p, err := x.UniqueField(e, i)
	if err != nil {
		return err
	}
	t := x.st.tables[p.Table]
	if t == nil {
		return nil
	}
	col, key := t.column(p.Columns[i]), t.column(p.Columns[p.KeyIndex])
	if col < 0 || key < 0 {
		return fmt.Errorf("read unique values of %s: no column %s or %s", p.Table, p.Columns[i], p.Columns[p.KeyIndex])
	}
	ids := make([]int64, 0, len(t.rows))
	for id := range t.rows {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return err
		}
		r := t.rows[id]
		if v := r.vals[col]; v.set {
			if err := fn(v.v, r.vals[key].v); err != nil {
				return err
			}
		}
	}
	return nil
}
