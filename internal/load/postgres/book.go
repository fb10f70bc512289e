package postgres

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
	"github.com/jackc/pgx/v5"
)

// readBook reads an entity's bookkeeping into a bookIndex with one binary
// COPY, parsed as it streams in: about 45 bytes of memory per key.
func (x *pgTx) readBook(ctx context.Context, entity string) (*core.Book, error) {
	return x.readBookSkips(ctx, entity, nil)
}

// readBookSkips reads an entity's bookkeeping and, when skip is not nil,
// hands it every entry that holds skip data, in the same pass.
func (x *pgTx) readBookSkips(ctx context.Context, entity string, skip load.SkipSink) (*core.Book, error) {
	if err := x.freshenStats(ctx); err != nil {
		return nil, err
	}
	cols := "key, fingerprint, target_id"
	if skip != nil {
		cols += ", " + core.SkipColumn
	}
	q := "COPY (SELECT " + cols + " FROM handover_rows WHERE entity = " + pgLiteral(entity) +
		") TO STDOUT (FORMAT binary)"
	n, width, size := x.bookEstimate(ctx, entity)
	if skip != nil {
		n = bookEntries(n, int64(skip.Guess()), size)
	}
	w := &bookCopy{book: core.NewSizedBook(n, n*width), skip: skip}
	if skip != nil && n > 0 {
		skip.Expect(int(n)) // every entry, at most, has skip data
	}
	if _, err := x.tx.Conn().PgConn().CopyTo(ctx, w, q); err != nil {
		if w.err != nil {
			err = w.err
		}
		return nil, x.t.fail("read bookkeeping of "+entity, err)
	}
	if !w.ended {
		return nil, fmt.Errorf("read bookkeeping of %s: the COPY output ended early", entity)
	}
	w.book.Place()
	return w.book, nil
}

// pgBookEstimate estimates, from the planner's statistics, how many
// bookkeeping entries an entity ($1) has in the table $2 that holds them
// (all of them when $3, the entity's own partition), how long its keys
// are, and gives the table's size on disk.
const pgBookEstimate = `SELECT CASE WHEN $3 THEN greatest(c.reltuples, 0)::bigint ELSE coalesce((SELECT c.reltuples * f.freq
		FROM pg_stats s, unnest(s.most_common_vals::text::text[], s.most_common_freqs) AS f(val, freq)
		WHERE s.schemaname = current_schema() AND s.tablename = c.relname AND s.attname = 'entity' AND f.val = $1), 0)::bigint END,
	coalesce((SELECT avg_width FROM pg_stats WHERE schemaname = current_schema() AND tablename = c.relname
		AND attname = 'key'), 0),
	pg_relation_size(c.oid)
	FROM pg_class c WHERE c.oid = $2::regclass`

// pgBookRowMin is less than any bookkeeping entry takes on disk (a
// tuple's header and line pointer, the entity, the fingerprint, the id):
// an entity has at most its table's size / pgBookRowMin entries.
const pgBookRowMin = 64

// bookEntries is how many entries to allocate the book and the skip
// sink for: the statistics' estimate n; without one (a table never
// analyzed) the sink's guess, unless the table holding them is too small on disk
// to hold that many.
func bookEntries(n, guess, size int64) int64 {
	if n > 0 {
		return n
	}
	return max(min(guess, size/pgBookRowMin), 0)
}

// bookEstimate estimates, from the statistics, how many entries an
// entity's bookkeeping has (a twentieth more than they say) and how many
// bytes a key takes, 0, 0 when they do not tell; size is the size on
// disk of the table holding its entries (its partition, the default
// partition or the unpartitioned handover_rows; 0: unknown).
func (x *pgTx) bookEstimate(ctx context.Context, entity string) (n, width, size int64) {
	r := x.bookOf(entity)
	if err := x.tx.QueryRow(ctx, pgBookEstimate, entity, pgQuote(r.name), r.own).Scan(&n, &width, &size); err != nil {
		return 0, 0, 0
	}
	return n + n/20, width, size
}

// pgStaleStats lists the tables of handover_rows (itself, or its
// partitions) that changed by more than a fifth since they were last
// analyzed (the counters are those of committed work), or hold rows but
// no statistics of their entity column: a database restored or copied
// from a template, or whose counters were reset, has no counters to tell.
const pgStaleStats = `SELECT c.oid::regclass::text FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
	WHERE c.relkind = 'r' AND (c.oid = 'handover_rows'::regclass
		OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'handover_rows'::regclass))
	AND (coalesce(s.n_mod_since_analyze, 0) > 1000 + 0.2 * greatest(c.reltuples, 0)
		OR (pg_relation_size(c.oid) > 0 AND NOT EXISTS (SELECT 1 FROM pg_stats st WHERE st.schemaname = current_schema()
			AND st.tablename = c.relname AND st.attname = 'entity')))`

// freshenStats analyzes the tables of handover_rows, once per
// transaction, when their statistics are stale: after a first import of a
// large entity they still describe an almost empty table, and the planner
// would then read an entity's bookkeeping through the index and join the
// staged rows to all of it with a hash — seconds instead of milliseconds
// at a million rows. The ANALYZE runs on a connection of its own, so that
// its statistics are committed even when this transaction (a diff, a dry
// run) rolls back; it takes a lock that does not conflict with the
// import's (a table this transaction created is not there to analyze). It
// is an optimisation: when it fails, the import goes on with the old
// statistics.
func (x *pgTx) freshenStats(ctx context.Context) error {
	st := x.State()
	if st.Analyzed {
		return nil
	}
	st.Analyzed = true
	rows, err := x.tx.Query(ctx, pgStaleStats)
	if err != nil {
		return x.t.fail("read statistics of handover_rows", err)
	}
	stale, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return x.t.fail("read statistics of handover_rows", err)
	}
	if len(stale) == 0 {
		return nil
	}
	conn, err := pgx.ConnectConfig(ctx, x.t.conn.Config().Copy())
	if err != nil {
		return nil
	}
	defer conn.Close(context.WithoutCancel(ctx))
	// A sample of 3,000 rows instead of the default 30,000: what the plans
	// of the bookkeeping need (its size, the entity's frequency, the keys
	// distinct) comes out the same, in 15 ms instead of 175–370 ms for
	// 990k entries (docs/BENCHMARKS.md section 23); autovacuum's ANALYZE
	// later takes the full sample.
	conn.Exec(ctx, "SET default_statistics_target = "+strconv.Itoa(pgFreshenTarget))
	for _, t := range stale {
		conn.Exec(ctx, "ANALYZE "+t) // regclass::text: quoted as needed
	}
	return nil
}

// pgFreshenTarget is the statistics target of freshenStats' ANALYZE.
const pgFreshenTarget = 10

// bookCopy parses the binary COPY of (key text, fingerprint bytea,
// target_id bigint) rows into a bookIndex.
type bookCopy struct {
	book    *core.Book
	pending []byte // an incomplete row carried to the next Write
	header  bool
	ended   bool
	err     error
	// skip, when set, takes a fourth column (skip data, may be null) and
	// is handed every row that has it, with its place in book.
	skip load.SkipSink
	// pair, when set, takes the rows as (key, target_id) only, and is
	// called with each instead of filling book.
	pair func(key []byte, id int64) error
}

var errBookCopy = errors.New("unexpected COPY output")

func (c *bookCopy) Write(p []byte) (int, error) {
	n := len(p)
	if len(c.pending) > 0 {
		c.pending = append(c.pending, p...)
		p = c.pending
	}
	rest, err := c.parse(p)
	if err != nil {
		c.err = err
		return 0, err
	}
	c.pending = append(c.pending[:0], rest...)
	return n, nil
}

// parse consumes the complete rows of b and returns what is left.
func (c *bookCopy) parse(b []byte) ([]byte, error) {
	if !c.header {
		if len(b) < len(copyHeader) {
			return b, nil
		}
		if string(b[:11]) != copyHeader[:11] {
			return nil, errBookCopy
		}
		ext := binary.BigEndian.Uint32(b[15:19])
		if uint32(len(b)-len(copyHeader)) < ext {
			return b, nil
		}
		b, c.header = b[len(copyHeader)+int(ext):], true
	}
	for len(b) >= 2 && !c.ended {
		fields := int16(binary.BigEndian.Uint16(b))
		if fields == -1 {
			c.ended = true
			return b[2:], nil
		}
		want := 3
		switch {
		case c.pair != nil:
			want = 2
		case c.skip != nil:
			want = 4
		}
		if int(fields) != want {
			return nil, errBookCopy
		}
		f, size, ok, err := bookTuple(b[2:], want)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if want == 2 {
			if len(f[1]) != 8 {
				return nil, fmt.Errorf("bookkeeping of key %q: id of %d bytes", f[0], len(f[1]))
			}
			if err := c.pair(f[0], int64(binary.BigEndian.Uint64(f[1]))); err != nil {
				return nil, err
			}
			b = b[2+size:]
			continue
		}
		key, fp, id := f[0], f[1], f[2]
		if len(fp) != len(core.Fingerprint{}) || len(id) != 8 {
			return nil, fmt.Errorf("bookkeeping of key %q: fingerprint of %d bytes, id of %d", key, len(fp), len(id))
		}
		place := c.book.Len()
		c.book.Append(key, core.Fingerprint(fp), int64(binary.BigEndian.Uint64(id)))
		if want == 4 && f[3] != nil {
			if err := c.skip.Entry(place, key, fp, f[3]); err != nil {
				return nil, err
			}
		}
		b = b[2+size:]
	}
	return b, nil
}

// bookTuple splits the n fields of a row (after its field count); ok is
// false when b does not hold the whole row yet. Only the fourth may be
// null (nil).
func bookTuple(b []byte, n int) (f [4][]byte, size int, ok bool, err error) {
	off := 0
	for i := range n {
		if len(b)-off < 4 {
			return f, 0, false, nil
		}
		l := int(int32(binary.BigEndian.Uint32(b[off:])))
		off += 4
		if l < 0 {
			if i < 3 {
				return f, 0, false, errBookCopy // a null: the columns are NOT NULL
			}
			continue
		}
		if len(b)-off < l {
			return f, 0, false, nil
		}
		f[i] = b[off : off+l : off+l] // never nil, even empty: b is not
		off += l
	}
	return f, off, true, nil
}

// readRefIndex reads the bookkeeping of a referenced entity as a
// core.RefIndex (key hash → target id, 16 bytes a key, on disk past its
// share of the memory budget): one binary COPY of (key, target_id), and a
// second only when two keys share a hash.
func (x *pgTx) readRefIndex(ctx context.Context, entity string) (*core.RefIndex, error) {
	if err := x.freshenStats(ctx); err != nil {
		return nil, err
	}
	idx := core.NewRefIndex(os.TempDir(), x.t.refMemory())
	if n, _, _ := x.bookEstimate(ctx, entity); n > 0 {
		idx.Grow(int(n))
	}
	if err := x.copyPairs(ctx, entity, idx.AddBytes); err != nil {
		idx.Close()
		return nil, err
	}
	amb, err := idx.Finish()
	if err != nil {
		idx.Close()
		return nil, fmt.Errorf("read bookkeeping of %s: %w", entity, err)
	}
	if amb > 0 {
		resolve := func(key []byte, id int64) error { idx.Resolve(string(key), id); return nil }
		if err := x.copyPairs(ctx, entity, resolve); err != nil {
			idx.Close()
			return nil, err
		}
	}
	return idx, nil
}

// copyPairs calls fn with every (key, target_id) of entity's bookkeeping.
func (x *pgTx) copyPairs(ctx context.Context, entity string, fn func(key []byte, id int64) error) error {
	q := "COPY (SELECT key, target_id FROM handover_rows WHERE entity = " + pgLiteral(entity) +
		") TO STDOUT (FORMAT binary)"
	w := &bookCopy{pair: fn}
	if _, err := x.tx.Conn().PgConn().CopyTo(ctx, w, q); err != nil {
		if w.err != nil {
			err = w.err
		}
		return x.t.fail("read bookkeeping of "+entity, err)
	}
	if !w.ended {
		return fmt.Errorf("read bookkeeping of %s: the COPY output ended early", entity)
	}
	return nil
}

// refMemory is the share of the run's memory budget (Options.Memory, else
// the Go runtime's soft limit) a reference index may hold before it
// spills: an eighth, as the engine's key indexes (2M keys at the default
// 256 MiB); 0 (no limit) when there is no budget.
func (t *pgTarget) refMemory() int64 { return t.opts.MemoryBudget() / 8 }
