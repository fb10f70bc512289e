package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
)

// The staging table: the source key, the record's line and fingerprint,
// then f0, f1, … one typed column per field (refs as source keys).
const stageTable = "handover_stage"

// loadMerge copies the records into the staging table, then merges them:
// changed rows are updated in place, new ones inserted, unchanged ones
// left alone; the bookkeeping follows in the same statements. book is
// the entity's bookkeeping as the client compared the records with it:
// each staged record carries its entry's target id, 0 for a new key.
func (x *pgTx) loadMerge(ctx context.Context, p *core.Mapping, book *core.Book, rows load.Batches) (load.Counts, error) {
	if _, err := x.tx.Exec(ctx, stageDDL(p)); err != nil {
		return load.Counts{}, x.t.fail("create staging table", err)
	}
	kinds := make([]colKind, len(p.Columns))
	for i, f := range p.Entity.Fields {
		kinds[i] = pgStageKind(f.Type)
	}
	src := newPGSource(ctx, rows, p, &pgRowEncoder{p: p, kinds: kinds}, 5)
	src.lead = func(buf []byte, r *load.Record, fp core.Fingerprint) []byte {
		key := r.Values[p.KeyIndex]
		var tid int64
		if e, ok := book.Find(key); ok {
			tid = book.IDs[e]
		}
		buf = appendText(buf, key)
		buf, _ = appendInt(buf, kindInt8, int64(r.Line))
		buf, _ = appendInt(buf, kindInt8, tid)
		buf = appendBytes(buf, fp[:])
		return appendSkip(buf, r.Skip)
	}
	src.start(0)
	total, err := x.copyIn(ctx, stageTable, stageColumns(p), src.appendRow)
	if err != nil {
		return load.Counts{}, x.copyError("copy into the staging table", src, err)
	}
	load.AfterCopy(ctx, p.Entity.Name)
	if err := x.checkStage(ctx, p); err != nil {
		return load.Counts{}, err
	}
	c, err := x.merge(ctx, p, probeMerge(total, book.Len()))
	if err != nil {
		return load.Counts{}, err
	}
	c.Unchanged = total - c.Inserted - c.Updated
	if _, err := x.tx.Exec(ctx, "DROP TABLE "+stageTable); err != nil {
		return load.Counts{}, x.t.fail("drop staging table", err)
	}
	return c, nil
}

func stageColumns(p *core.Mapping) []string {
	cols := []string{"k", "line", "tid", "fp", "sk"}
	for i := range p.Columns {
		cols = append(cols, "f"+strconv.Itoa(i))
	}
	return cols
}

// pgStageKind is the base type of a field's staging column.
func pgStageKind(t format.Type) colKind {
	if t == format.Ref {
		return kindText
	}
	_, accept := pgType(t)
	return colKind(accept[0])
}

func stageDDL(p *core.Mapping) string {
	var b strings.Builder
	b.WriteString("CREATE TEMP TABLE " + stageTable + " (k text NOT NULL, line bigint NOT NULL, tid bigint NOT NULL, fp bytea NOT NULL, sk bytea")
	for i, f := range p.Entity.Fields {
		b.WriteString(", f" + strconv.Itoa(i) + " " + pgStageType(f.Type))
	}
	b.WriteString(") ON COMMIT DROP")
	return b.String()
}

// checkStage refuses references that resolve nowhere. (A key repeated in
// the load never reaches the staging table: loadDelta finds it in the
// bookkeeping first.)
func (x *pgTx) checkStage(ctx context.Context, p *core.Mapping) error {
	for i, f := range p.Entity.Fields {
		if f.Type != format.Ref {
			continue
		}
		col := "f" + strconv.Itoa(i)
		q := `SELECT s.line, s.` + col + ` FROM ` + stageTable + ` s WHERE s.` + col + ` IS NOT NULL AND NOT EXISTS
			(SELECT 1 FROM handover_rows r WHERE r.entity = $1 AND r.key = s.` + col + `) ORDER BY s.line LIMIT 1`
		var line int64
		var key string
		err := x.tx.QueryRow(ctx, q, f.Entity).Scan(&line, &key)
		if err == nil {
			return fmt.Errorf("line %d: field %s: key %q not found in %s", line, f.Name, key, f.Entity)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return x.t.fail("check references of "+f.Name, err)
		}
	}
	return nil
}

// probeMerge reports whether the staged rows are few enough against the
// rows the bookkeeping holds that the merge should find each one's
// bookkeeping entry and target row through their indexes rather than
// read the whole entity: a delta that changes 1 % of a million rows.
// Left to itself the planner may not know: freshenStats analyzes the
// bookkeeping when it is stale, but not the target table, whose
// statistics after a large import can still describe it nearly empty;
// with both stale (a database copied from a template, before this was
// known) it hashed the whole bookkeeping of the entity three times: 1.2 s
// for 9,840 changed rows of a million, against 0.1 s by index.
func probeMerge(staged int64, held int) bool {
	return staged*probeRatio < int64(held)
}

// probeRatio is how many times the bookkeeping's rows must outnumber the
// staged ones for the merge to probe by index.
const probeRatio = 8

// merge runs the update and the insert statements; probe plans the
// update with index lookups (probeMerge).
func (x *pgTx) merge(ctx context.Context, p *core.Mapping, probe bool) (load.Counts, error) {
	if _, err := x.tx.Exec(ctx, "SET LOCAL work_mem = '128MB'"); err != nil {
		return load.Counts{}, x.t.fail("merge", err)
	}
	if !probe {
		// A large merge is planned from the staged rows' statistics.
		if _, err := x.tx.Exec(ctx, "ANALYZE "+stageTable); err != nil {
			return load.Counts{}, x.t.fail("analyze the staging table", err)
		}
	}
	q := newMergeSQL(p)
	args := q.args(p)
	restore := func() error { return nil }
	if probe {
		var err error
		if restore, err = x.joinsByIndex(ctx); err != nil {
			return load.Counts{}, err
		}
	}
	var chg, upd, bk int64
	if err := x.tx.QueryRow(ctx, q.update(), args...).Scan(&chg, &upd, &bk); err != nil {
		return load.Counts{}, x.t.fail("update changed rows of "+p.Table, err)
	}
	if err := restore(); err != nil {
		return load.Counts{}, err
	}
	if upd != chg || bk != chg {
		return load.Counts{}, fmt.Errorf("%d of %d changed rows recorded in the bookkeeping are missing from table %s", chg-upd, chg, p.Table)
	}
	var ins, ibk int64
	if err := x.tx.QueryRow(ctx, q.insert(), args...).Scan(&ins, &ibk); err != nil {
		return load.Counts{}, x.t.fail("insert new rows into "+p.Table, err)
	}
	if ins != ibk {
		return load.Counts{}, fmt.Errorf("inserted %d rows into %s but recorded %d in the bookkeeping", ins, p.Table, ibk)
	}
	return load.Counts{Inserted: ins, Updated: chg}, nil
}

// joinsByIndex turns the planner's hash and merge joins off for the
// transaction; restore sets them back to what they were (a session or
// role may have turned one off itself).
func (x *pgTx) joinsByIndex(ctx context.Context) (restore func() error, err error) {
	const set = "SELECT set_config('enable_hashjoin', $1, true), set_config('enable_mergejoin', $2, true)"
	var hash, merge string
	if err := x.tx.QueryRow(ctx, "SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin')").Scan(&hash, &merge); err != nil {
		return nil, x.t.fail("plan the merge", err)
	}
	if _, err := x.tx.Exec(ctx, set, "off", "off"); err != nil {
		return nil, x.t.fail("plan the merge", err)
	}
	return func() error {
		if _, err := x.tx.Exec(ctx, set, hash, merge); err != nil {
			return x.t.fail("plan the merge", err)
		}
		return nil
	}, nil
}

// mergeSQL builds the merge statements of one entity. Parameter $1 is the
// entity's name, $2… the entities its ref fields point to.
type mergeSQL struct {
	p     *core.Mapping
	exprs []string // per field: the staged value, a ref resolved to its target id
	joins string   // the joins that resolve refs
}

func newMergeSQL(p *core.Mapping) *mergeSQL {
	m := &mergeSQL{p: p}
	param := 2
	for i, f := range p.Entity.Fields {
		col := "s.f" + strconv.Itoa(i)
		if f.Type == format.Ref {
			r := "r" + strconv.Itoa(i)
			m.joins += fmt.Sprintf(" LEFT JOIN handover_rows %[1]s ON %[1]s.entity = $%[2]d AND %[1]s.key = %[3]s", r, param, col)
			col = r + ".target_id"
			param++
		}
		m.exprs = append(m.exprs, col)
	}
	return m
}

func (m *mergeSQL) args(p *core.Mapping) []any {
	args := []any{p.Entity.Name}
	for _, f := range p.Entity.Fields {
		if f.Type == format.Ref {
			args = append(args, f.Entity)
		}
	}
	return args
}

func (m *mergeSQL) update() string {
	sets := make([]string, len(m.exprs))
	for i, e := range m.exprs {
		sets[i] = pgQuote(m.p.Columns[i]) + " = " + e
	}
	return `WITH chg AS MATERIALIZED (
	SELECT s.* FROM ` + stageTable + ` s WHERE s.tid <> 0),
upd AS (
	UPDATE ` + pgQuote(m.p.Table) + ` t SET ` + strings.Join(sets, ", ") + `
	FROM chg s` + m.joins + `
	WHERE t.` + pgQuote(core.IDColumn) + ` = s.tid RETURNING 1),
bk AS (
	UPDATE handover_rows h SET fingerprint = s.fp, ` + core.SkipColumn + ` = s.sk FROM chg s WHERE h.entity = $1 AND h.key = s.k RETURNING 1)
SELECT (SELECT count(*) FROM chg), (SELECT count(*) FROM upd), (SELECT count(*) FROM bk)`
}

func (m *mergeSQL) insert() string {
	cols := make([]string, len(m.p.Columns))
	for i, c := range m.p.Columns {
		cols[i] = pgQuote(c)
	}
	key := pgQuote(m.p.Columns[m.p.KeyIndex])
	return `WITH ins AS (
	INSERT INTO ` + pgQuote(m.p.Table) + ` (` + strings.Join(cols, ", ") + `)
	SELECT ` + strings.Join(m.exprs, ", ") + ` FROM ` + stageTable + ` s` + m.joins + `
	WHERE s.tid = 0
	RETURNING ` + pgQuote(core.IDColumn) + `, ` + key + `),
bk AS (
	INSERT INTO handover_rows (entity, key, fingerprint, target_id, ` + core.SkipColumn + `)
	SELECT $1, s.k, s.fp, ins.` + pgQuote(core.IDColumn) + `, s.sk FROM ins JOIN ` + stageTable + ` s ON s.f` + strconv.Itoa(m.p.KeyIndex) + ` = ins.` + key + `
	RETURNING 1)
SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM bk)`
}
