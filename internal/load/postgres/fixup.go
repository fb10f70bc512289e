package postgres

import (
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/handover/handover/internal/fixup"
	"github.com/handover/handover/internal/load/internal/core"
)

// Names of the fix-up pass's cursor and temporary table.
const (
	pgFixupCursor = "handover_fixup_cur"
	pgFixupTable  = "handover_fixup_rows"
)

// pgFixup runs fix-ups on PostgreSQL: the candidate rows come through a
// cursor, prefiltered on the server with ~ when the rules translate into
// PostgreSQL's dialect; the keys of a chunk are resolved in one query;
// the new texts are copied into a temporary table and set with one
// UPDATE … FROM per group.
type pgFixup struct {
	x      *pgTx
	staged int64 // rows copied into the temporary table for the group
	table  bool  // the temporary table exists
}

func (b *pgFixup) FixupScan(ctx context.Context, p *core.Mapping, col int, g *fixup.Group, fn func([]fixup.Row) error) error {
	column := pgQuote(p.Columns[col])
	where, args := b.prefilter(ctx, column, g)
	decl := "DECLARE " + pgFixupCursor + " NO SCROLL CURSOR FOR SELECT " + pgQuote(core.IDColumn) + ", " +
		pgQuote(p.Columns[p.KeyIndex]) + "::text, " + column + "::text FROM " + pgQuote(p.Table) +
		" WHERE " + where + " ORDER BY " + pgQuote(core.IDColumn)
	if _, err := b.x.tx.Exec(ctx, decl, args...); err != nil {
		return b.x.t.fail("scan "+p.Table, err)
	}
	fetch := fmt.Sprintf("FETCH %d FROM %s", core.FixupChunk, pgFixupCursor)
	rows := make([]fixup.Row, 0, core.FixupChunk)
	for {
		var err error
		if rows, err = b.page(ctx, fetch, rows[:0]); err != nil {
			return b.x.t.fail("scan "+p.Table, err)
		}
		if len(rows) == 0 {
			break
		}
		if err := fn(rows); err != nil {
			return err
		}
	}
	if _, err := b.x.tx.Exec(ctx, "CLOSE "+pgFixupCursor); err != nil {
		return b.x.t.fail("scan "+p.Table, err)
	}
	return nil
}

// prefilter returns the condition that picks the rows a rule of g could
// match. When every rule has a text all its matches contain, that is a
// LIKE per rule (cheap: PostgreSQL's regular expressions cost about ten
// times more per row, and Go's decides anyway). Otherwise it is one
// PostgreSQL regular expression matching at least what any rule matches,
// when every rule translates and the server accepts the result (tried in
// a savepoint, so a refusal costs nothing); else just "is set".
func (b *pgFixup) prefilter(ctx context.Context, column string, g *fixup.Group) (string, []any) {
	if lits := core.Literals(g); lits != nil {
		var or []string
		var args []any
		for i, l := range lits {
			or = append(or, fmt.Sprintf("%s LIKE $%d", column, i+1))
			args = append(args, "%"+likeEscaper.Replace(l)+"%")
		}
		return "(" + strings.Join(or, " OR ") + ")", args
	}
	if re, ok := b.regexp(ctx, g); ok {
		return column + " ~ $1", []any{re}
	}
	return column + " IS NOT NULL", nil
}

// likeEscaper escapes LIKE's wildcards and its escape character.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// regexp returns the rules of g as one PostgreSQL regular expression.
func (b *pgFixup) regexp(ctx context.Context, g *fixup.Group) (string, bool) {
	var alts []string
	for _, r := range g.Rules {
		re, ok := r.PostgresPattern()
		if !ok {
			return "", false
		}
		alts = append(alts, "(?:"+re+")")
	}
	re := strings.Join(alts, "|")
	sp, err := b.x.tx.Begin(ctx)
	if err != nil {
		return "", false
	}
	if _, err := sp.Exec(ctx, "SELECT ''::text ~ $1", re); err != nil {
		sp.Rollback(ctx)
		return "", false
	}
	return re, sp.Commit(ctx) == nil
}

func (b *pgFixup) page(ctx context.Context, q string, out []fixup.Row) ([]fixup.Row, error) {
	rs, err := b.x.tx.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	var r fixup.Row
	var key *string
	_, err = pgx.ForEachRow(rs, []any{&r.ID, &key, &r.Text}, func() error {
		r.Key = ""
		if key != nil {
			r.Key = *key
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// FixupLookup looks keys up in the bookkeeping, all in one query.
func (b *pgFixup) FixupLookup(ctx context.Context, entity string, keys []string) (map[string]int64, error) {
	return b.keyMap(ctx, len(keys), "SELECT key, target_id FROM handover_rows WHERE entity = $1 AND key = ANY($2)", entity, keys)
}

// FixupAllKeys reads an entity's whole key → id map.
func (b *pgFixup) FixupAllKeys(ctx context.Context, entity string) (map[string]int64, error) {
	return b.keyMap(ctx, 0, "SELECT key, target_id FROM handover_rows WHERE entity = $1", entity)
}

// FixupKeyCount counts an entity's keys.
func (b *pgFixup) FixupKeyCount(ctx context.Context, entity string) (int, error) {
	var n int
	if err := b.x.tx.QueryRow(ctx, "SELECT count(*) FROM handover_rows WHERE entity = $1", entity).Scan(&n); err != nil {
		return 0, b.x.t.fail("count keys of "+entity, err)
	}
	return n, nil
}

// FixupIDs reads the table's id range.
func (b *pgFixup) FixupIDs(ctx context.Context, p *core.Mapping) (int64, int64, error) {
	var lo, hi int64
	q := "SELECT coalesce(min(" + pgQuote(core.IDColumn) + "), 0), coalesce(max(" + pgQuote(core.IDColumn) + "), 0) FROM " + pgQuote(p.Table)
	if err := b.x.tx.QueryRow(ctx, q).Scan(&lo, &hi); err != nil {
		return 0, 0, b.x.t.fail("read the ids of "+p.Table, err)
	}
	return lo, hi, nil
}

// keyMap reads (key, target_id) rows into a map, decoding the raw values
// itself: a whole map has a row per key of the entity.
func (b *pgFixup) keyMap(ctx context.Context, size int, q string, args ...any) (map[string]int64, error) {
	entity := args[0].(string)
	rs, err := b.x.tx.Query(ctx, q, args...)
	if err != nil {
		return nil, b.x.t.fail("read keys of "+entity, err)
	}
	defer rs.Close()
	binaryID := rs.FieldDescriptions()[1].Format == pgx.BinaryFormatCode
	out := make(map[string]int64, size)
	for rs.Next() {
		raw := rs.RawValues()
		var id int64
		if binaryID && len(raw[1]) == 8 {
			id = int64(binary.BigEndian.Uint64(raw[1]))
		} else if id, err = strconv.ParseInt(string(raw[1]), 10, 64); err != nil {
			return nil, fmt.Errorf("read keys of %s: target id %q: %w", entity, raw[1], err)
		}
		out[string(raw[0])] = id
	}
	if err := rs.Err(); err != nil {
		return nil, b.x.t.fail("read keys of "+entity, err)
	}
	return out, nil
}

// FixupWrite copies the new texts into the temporary table.
func (b *pgFixup) FixupWrite(ctx context.Context, p *core.Mapping, _ int, rows []fixup.Row) error {
	if !b.table {
		const ddl = "CREATE TEMP TABLE IF NOT EXISTS " + pgFixupTable + " (id bigint NOT NULL, v text NOT NULL) ON COMMIT DROP"
		if _, err := b.x.tx.Exec(ctx, ddl); err != nil {
			return b.x.t.fail("create fix-up table", err)
		}
		b.table = true
	}
	n, err := b.x.tx.CopyFrom(ctx, pgx.Identifier{pgFixupTable}, []string{"id", "v"},
		pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) { return []any{rows[i].ID, rows[i].Text}, nil }))
	if err != nil {
		return b.x.t.fail("copy fix-ups of "+p.Table, err)
	}
	b.staged += n
	return nil
}

// FixupFlush sets the group's column from the temporary table.
func (b *pgFixup) FixupFlush(ctx context.Context, p *core.Mapping, col int) error {
	if b.staged == 0 {
		return nil
	}
	if b.staged > 10_000 {
		if _, err := b.x.tx.Exec(ctx, "ANALYZE "+pgFixupTable); err != nil {
			return b.x.t.fail("update "+p.Table, err)
		}
	}
	q := "UPDATE " + pgQuote(p.Table) + " t SET " + pgQuote(p.Columns[col]) + " = f.v FROM " + pgFixupTable +
		" f WHERE t." + pgQuote(core.IDColumn) + " = f.id"
	tag, err := b.x.tx.Exec(ctx, q)
	if err != nil {
		return b.x.t.fail("update "+p.Table, err)
	}
	if tag.RowsAffected() != b.staged {
		return fmt.Errorf("update %s: %d of %d rewritten rows are missing", p.Table, b.staged-tag.RowsAffected(), b.staged)
	}
	if _, err := b.x.tx.Exec(ctx, "TRUNCATE "+pgFixupTable); err != nil {
		return b.x.t.fail("update "+p.Table, err)
	}
	b.staged = 0
	return nil
}

// Fixup runs fix-up rules over the environment's current rows, inside the
// import's transaction.
func (x *pgTx) Fixup(ctx context.Context, rules []*fixup.Rule, report func(fixup.Unresolved) error) ([]fixup.Counts, error) {
	if err := core.FixupReady(x.Done, x.Failed); err != nil {
		return nil, err
	}
	c, err := core.RunFixups(ctx, &pgFixup{x: x}, &x.TxState, rules, report)
	if err != nil {
		x.Failed = err
	}
	return c, err
}
