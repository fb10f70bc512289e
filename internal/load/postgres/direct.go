package postgres

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
	"github.com/jackc/pgx/v5/pgconn"
)

// directChunk is how many records one COPY of the direct path carries (a
// variable only so that tests can make chunks small).
var directChunk = 32768

// chunk is a run of records read ahead, or why reading stopped.
type chunk struct {
	records []load.Record
	err     error
}

// loadDirect copies an entity's first import straight into its table,
// chunk by chunk: ids for the chunk from the sequence, a COPY of the rows,
// a COPY of their bookkeeping. The next chunk is read while one is copied.
// Fix-up links are rewritten as the rows are encoded; a row linking to a
// row of the entity further on is held back (its id and bookkeeping taken
// with its chunk) and copied once every row is in.
func (x *pgTx) loadDirect(ctx context.Context, p *core.Mapping, seq string, rows load.Batches) (load.Counts, error) {
	refIDs, err := x.refIDs(ctx, p)
	if err != nil {
		return load.Counts{}, err
	}
	self := core.NewKeyIDs()
	fix, err := x.RowFixerKeys(ctx, p, self, x.refBook)
	if err != nil {
		return load.Counts{}, err
	}
	table := x.tables[p.Entity.Name]
	enc := &pgRowEncoder{p: p, kinds: table.kinds, refIDs: refIDs}
	src := newPGSource(ctx, rows, p, enc, 1)
	bulk, err := x.detachBook(ctx, p.Entity.Name)
	if err != nil {
		return load.Counts{}, err
	}
	book := &pgBook{entity: p.Entity.Name, table: "handover_rows"}
	if rel := x.bookOf(p.Entity.Name); rel.own {
		book.table = rel.name // straight into the partition, not routed row by row
	}
	var ids []int64
	src.lead = func(buf []byte, r *load.Record, fp core.Fingerprint) []byte {
		id := ids[src.taken]
		book.add(r.Values[p.KeyIndex], fp, id, r.Skip)
		buf, _ = appendInt(buf, table.id, id)
		return buf
	}
	var held core.Spill
	defer held.Close()
	if fix != nil {
		var empty bool
		if err := x.tx.QueryRow(ctx, "SELECT NOT EXISTS (SELECT 1 FROM "+pgQuote(p.Table)+")").Scan(&empty); err != nil {
			return load.Counts{}, x.t.fail("read "+p.Table, err)
		}
		if empty {
			fix.WritesWholeTable() // every row goes through fix, held ones too
		}
		src.fix = fix
		var memo []byte
		src.hold = func(r *load.Record, fp core.Fingerprint) error {
			id := ids[src.taken]
			book.add(r.Values[p.KeyIndex], fp, id, r.Skip)
			memo = fix.Memo(memo[:0])
			return held.Add(core.Held{Record: *r, ID: id, FP: fp, Memo: memo})
		}
	}
	readCtx, stop := context.WithCancel(ctx)
	chunks := readAhead(readCtx, rows)
	defer func() {
		stop()
		for range chunks { // let the reader finish before Load returns
		}
	}()
	cols := append([]string{core.IDColumn}, p.Columns...)
	var c load.Counts
	for ch := range chunks {
		if ch.err != nil {
			return load.Counts{}, fmt.Errorf("read rows: %w", ch.err)
		}
		if ids, err = x.nextIDs(ctx, seq, len(ch.records)); err != nil {
			return load.Counts{}, err
		}
		if fix != nil {
			for i := range ch.records {
				if v := ch.records[i].Values; len(v) == len(p.Columns) {
					self.Add(v[p.KeyIndex], ids[i])
				}
			}
		}
		src.pending = ch.records
		src.start(len(ids))
		n, err := x.copyIn(ctx, p.Table, cols, src.appendRow)
		if err != nil {
			return load.Counts{}, x.directCopyError("copy into "+p.Table, p, src, ch.records, err)
		}
		c.Inserted += n
		if err := book.copy(ctx, x); err != nil {
			return load.Counts{}, x.directCopyError("record bookkeeping", p, src, ch.records, err)
		}
	}
	if held.Len() > 0 {
		fix.SetFinal()
		n, err := x.copyHeld(ctx, p, enc, fix, &held, cols)
		if err != nil {
			return load.Counts{}, err
		}
		c.Inserted += n
	}
	if bulk != nil {
		if err := bulk.attach(ctx, x, p); err != nil {
			return load.Counts{}, err
		}
	}
	load.AfterCopy(ctx, p.Entity.Name)
	return c, nil
}

// copyHeld copies the rows loadDirect held back, with the ids they were
// given, their links rewritten now that every key of the load is known.
func (x *pgTx) copyHeld(ctx context.Context, p *core.Mapping, enc *pgRowEncoder, fix *core.RowFixer, held *core.Spill, cols []string) (int64, error) {
	var total int64
	err := held.Each(directChunk, func(hs []core.Held) error {
		src := newPGSource(ctx, nil, p, enc, 1)
		src.fix = fix
		src.memo = func() []byte { return hs[src.taken].Memo }
		src.lead = func(buf []byte, _ *load.Record, _ core.Fingerprint) []byte {
			buf, _ = appendInt(buf, x.tables[p.Entity.Name].id, hs[src.taken].ID)
			return buf
		}
		recs := make([]load.Record, len(hs))
		for i := range hs {
			recs[i] = hs[i].Record
		}
		src.pending = recs
		src.start(len(hs))
		n, err := x.copyIn(ctx, p.Table, cols, src.appendRow)
		if err != nil {
			return x.directCopyError("copy into "+p.Table, p, src, recs, err)
		}
		total += n
		return nil
	})
	return total, err
}

// readAhead reads rows into chunks of about directChunk records, one chunk
// ahead of the consumer; the channel closes after the last chunk or error.
// The channel is unbuffered: a chunk waiting in it would let the reader
// start a third, whose rows the garbage collector would mark again and
// again (30 MB of the 1M import's live heap).
func readAhead(ctx context.Context, rows load.Batches) <-chan chunk {
	out := make(chan chunk)
	go func() {
		defer close(out)
		for {
			var ch chunk
			for len(ch.records) < directChunk && ch.err == nil {
				b, err := rows.Next(ctx)
				if errors.Is(err, io.EOF) {
					break
				}
				if len(ch.records) > 0 && cap(ch.records) < directChunk {
					// one allocation for the chunk, not one per doubling
					ch.records = slices.Grow(ch.records, directChunk-len(ch.records))
				}
				ch.records, ch.err = append(ch.records, b...), err
			}
			if len(ch.records) == 0 && ch.err == nil {
				return
			}
			select {
			case out <- ch:
			case <-ctx.Done():
				return
			}
			if ch.err != nil || len(ch.records) < directChunk {
				return
			}
		}
	}()
	return out
}

// directCopyError explains a unique violation of the direct path's
// COPY of a chunk (into the table, or of its bookkeeping): a key repeated
// in the load, or a row the bookkeeping does not know.
func (x *pgTx) directCopyError(doing string, p *core.Mapping, src *pgSource, chunk []load.Record, err error) error {
	var pe *pgconn.PgError
	if src.err != nil || !errors.As(err, &pe) || pe.Code != pgUniqueViolation {
		if src.err != nil {
			return src.err
		}
		return x.t.fail(doing, err)
	}
	if derr := duplicateKey(p, chunk, pe.Detail); derr != nil {
		return derr
	}
	return x.t.fail(doing+": a row of the load collides with a row the environment's bookkeeping does not know", err)
}

// duplicateKey names the repeated key a unique violation of a chunk's
// COPY met: a key twice in the chunk, else the chunk's row the server's
// detail names exactly — by column and whole value: "Key
// (external_id)=(C9) already exists." (the key or a unique field of the
// table), "Key (entity, key)=(contacts, C9) …" (the bookkeeping: its first
// occurrence is in an earlier chunk); nil when neither. The records are
// only read on this failure path.
func duplicateKey(p *core.Mapping, chunk []load.Record, detail string) error {
	first := make(map[string]int, len(chunk))
	for _, r := range chunk {
		if len(r.Values) != len(p.Columns) {
			continue
		}
		k := r.Values[p.KeyIndex]
		if l, ok := first[k]; ok {
			return fmt.Errorf("line %d: duplicate key %q (first on line %d)", r.Line, k, l)
		}
		first[k] = r.Line
	}
	field, value, ok := violated(p, detail)
	if !ok {
		return nil
	}
	for _, r := range chunk {
		if len(r.Values) != len(p.Columns) || r.Values[field] != value {
			continue
		}
		if field == p.KeyIndex {
			return fmt.Errorf("line %d: duplicate key %q", r.Line, value)
		}
		return fmt.Errorf("line %d: duplicate %s %q", r.Line, p.Entity.Fields[field].Name, value)
	}
	return nil
}

// violated reads the field of p and the value a unique violation's
// detail names: "(columns)=(values)" — the part every translation of
// "Key (%s)=(%s) already exists." keeps — with one column of p's table,
// or the bookkeeping's "entity, key" of p's entity (the key field).
// Values are the server's text, unquoted, joined by ", ": only the known
// entity prefix is taken off, never split on.
func violated(p *core.Mapping, detail string) (field int, value string, ok bool) {
	open := strings.IndexByte(detail, '(')
	if open < 0 {
		return 0, "", false
	}
	cols, rest, ok := strings.Cut(detail[open+1:], ")=(")
	end := strings.LastIndexByte(rest, ')')
	if !ok || end < 0 {
		return 0, "", false
	}
	value = rest[:end]
	if cols == "entity, key" {
		value, ok = strings.CutPrefix(value, p.Entity.Name+", ")
		return p.KeyIndex, value, ok
	}
	col := cols
	if len(col) >= 2 && col[0] == '"' && col[len(col)-1] == '"' {
		col = strings.ReplaceAll(col[1:len(col)-1], `""`, `"`)
	} else if strings.ContainsAny(col, `", `) {
		return 0, "", false // several columns: no index of the loader's
	}
	for i, c := range p.Columns {
		if c == col {
			return i, value, true
		}
	}
	return 0, "", false
}

// pgUniqueViolation is SQLSTATE unique_violation.
const pgUniqueViolation = "23505"

// nextIDs takes n values from the id sequence, read as a binary COPY.
func (x *pgTx) nextIDs(ctx context.Context, seq string, n int) ([]int64, error) {
	q := "COPY (SELECT nextval('" + strings.ReplaceAll(seq, "'", "''") + "'::regclass) FROM generate_series(1, " +
		strconv.Itoa(n) + ")) TO STDOUT (FORMAT binary)"
	var out bytes.Buffer
	if _, err := x.tx.Conn().PgConn().CopyTo(ctx, &out, q); err != nil {
		return nil, x.t.fail("take ids", err)
	}
	// Header (signature, flags, extension length), then rows of one int8:
	// field count 1, length 8, value; then the trailer.
	b := out.Bytes()
	if len(b) < len(copyHeader)+2 || string(b[:11]) != copyHeader[:11] {
		return nil, errors.New("take ids: unexpected COPY output")
	}
	b = b[len(copyHeader):]
	ids := make([]int64, 0, n)
	for len(b) >= 14 && binary.BigEndian.Uint16(b) == 1 && binary.BigEndian.Uint32(b[2:]) == 8 {
		ids = append(ids, int64(binary.BigEndian.Uint64(b[6:])))
		b = b[14:]
	}
	if len(ids) != n {
		return nil, fmt.Errorf("take ids: got %d of %d", len(ids), n)
	}
	return ids, nil
}

// pgBook gathers the bookkeeping of one chunk of inserted rows.
type pgBook struct {
	entity string
	table  string // where the entries go: handover_rows or the entity's partition
	keys   []string
	fps    []core.Fingerprint
	ids    []int64
	skips  [][]byte
	order  []int32 // copy's order of the entries, reused
}

func (b *pgBook) add(key string, fp core.Fingerprint, id int64, skip []byte) {
	b.keys = append(b.keys, key)
	b.fps = append(b.fps, fp)
	b.ids = append(b.ids, id)
	b.skips = append(b.skips, skip)
}

// copy writes the gathered bookkeeping, in the order of the keys, and
// starts over. In key order the index's inserts of a chunk go through its
// pages once, left to right, instead of at random: 1M contacts whose keys
// came in random order took 4.1 s to COPY in chunks as they came, 2.7 s
// in chunks sorted by key (docs/BENCHMARKS.md section 22).
func (b *pgBook) copy(ctx context.Context, x *pgTx) error {
	b.order = b.order[:0]
	for j := range b.keys {
		b.order = append(b.order, int32(j))
	}
	slices.SortFunc(b.order, func(p, q int32) int { return strings.Compare(b.keys[p], b.keys[q]) })
	k := 0
	next := func(buf []byte) ([]byte, bool, error) {
		if k == len(b.order) {
			return buf, false, nil
		}
		i := b.order[k]
		k++
		buf = binary.BigEndian.AppendUint16(buf, 5)
		buf = appendText(buf, b.entity)
		buf = appendText(buf, b.keys[i])
		buf = appendBytes(buf, b.fps[i][:])
		buf, _ = appendInt(buf, kindInt8, b.ids[i])
		buf = appendSkip(buf, b.skips[i])
		return buf, true, nil
	}
	cols := []string{"entity", "key", "fingerprint", "target_id", core.SkipColumn}
	if _, err := x.copyIn(ctx, b.table, cols, next); err != nil {
		return err // the caller says what failed (directCopyError)
	}
	clear(b.skips)
	b.keys, b.fps, b.ids, b.skips = b.keys[:0], b.fps[:0], b.ids[:0], b.skips[:0]
	return nil
}
