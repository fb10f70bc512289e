package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/handover/handover/internal/load/internal/core"
	"github.com/jackc/pgx/v5/pgconn"
)

// The bookkeeping (handover_rows) is partitioned by entity: each entity's
// entries are a table of their own with an index of their own. In one
// table, the index on (entity, key) of every entity, an entity's first
// import inserted its keys in the middle of the other entities' (half-full
// pages after each split), and an index twice the size was paid for by
// every bookkeeping COPY: 1.1M entries of 1M contacts after 100k
// structures took 2.4–3.6 s to COPY into one table, 1.5–1.6 s into the
// contacts' own partition (docs/BENCHMARKS.md section 22).
//
// The columns and the primary key are the same as before, and every query
// still names handover_rows with the entity, so the layout needs no
// schema version: an older handover reads and writes it as it did, and a
// database whose handover_rows predates partitioning keeps its single
// table (nothing is moved). A DEFAULT partition takes the entries of an
// entity that has no partition of its own (written by an older handover);
// such an entity stays there, since a partition of its own cannot be
// created while the default holds its rows.

// pgDefaultPartition is the partition of entities without their own.
const pgDefaultPartition = "handover_rows_default"

const pgBookkeeping = `
CREATE TABLE IF NOT EXISTS handover_meta (name text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS handover_rows (
	entity text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL, fingerprint bytea NOT NULL, target_id bigint NOT NULL,
	PRIMARY KEY (entity, key)) PARTITION BY LIST (entity);
DO $$ BEGIN
	IF (SELECT relkind FROM pg_class WHERE oid = 'handover_rows'::regclass) = 'p' THEN
		CREATE TABLE IF NOT EXISTS ` + pgDefaultPartition + ` PARTITION OF handover_rows DEFAULT;
	END IF;
END $$`

// pgPartitionName is the name of entity's partition: its name in lower
// case letters, digits and _ (at most 32 of them), then 8 hex digits of
// its hash, so that names differing in case or in other characters get
// different partitions, and none is the default's.
func pgPartitionName(entity string) string {
	var b strings.Builder
	b.WriteString("handover_rows_")
	n := 0
	for _, r := range strings.ToLower(entity) {
		if n < 32 && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			b.WriteRune(r)
			n++
		}
	}
	h := sha256.Sum256([]byte(entity))
	b.WriteString("_" + hex.EncodeToString(h[:4]))
	return b.String()
}

// bookRel is the table holding an entity's bookkeeping entries, and
// whether it holds only that entity's.
type bookRel struct {
	name string
	own  bool
	// fresh: this transaction created the partition, so it is empty and
	// no other transaction sees it (detachBook may take it apart).
	fresh bool
}

// setupPartitions creates the partition of each entity that has none and
// no entries in the default partition, and notes where each entity's
// entries are.
func (x *pgTx) setupPartitions(ctx context.Context, ps []*core.Mapping) error {
	x.books = map[string]bookRel{}
	var kind string
	if err := x.tx.QueryRow(ctx, "SELECT relkind::text FROM pg_class WHERE oid = 'handover_rows'::regclass").Scan(&kind); err != nil {
		return x.t.fail("begin import: inspect bookkeeping", err)
	}
	if kind != "p" {
		for _, p := range ps {
			x.books[p.Entity.Name] = bookRel{name: "handover_rows"}
		}
		return nil
	}
	// A partition is the entity's when it is one of handover_rows' (a table
	// of that name that is not makes the CREATE below fail, naming it);
	// an entity without one has its entries, if any, in the default.
	const q = `SELECT e, EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(n) AND inhparent = 'handover_rows'::regclass),
		EXISTS (SELECT 1 FROM handover_rows h WHERE h.entity = e)
		FROM unnest($1::text[], $2::text[]) AS u(e, n)`
	var entities, names []string
	for _, p := range ps {
		entities = append(entities, p.Entity.Name)
		names = append(names, pgPartitionName(p.Entity.Name))
	}
	rows, err := x.tx.Query(ctx, q, entities, names)
	if err != nil {
		return x.t.fail("begin import: inspect bookkeeping", err)
	}
	var create []string
	for rows.Next() {
		var e string
		var exists, inDefault bool
		if err := rows.Scan(&e, &exists, &inDefault); err != nil {
			rows.Close()
			return x.t.fail("begin import: inspect bookkeeping", err)
		}
		switch {
		case exists:
			x.books[e] = bookRel{name: pgPartitionName(e), own: true}
		case inDefault:
			x.books[e] = bookRel{name: pgDefaultPartition}
		default:
			create = append(create, e)
		}
	}
	if err := rows.Err(); err != nil {
		return x.t.fail("begin import: inspect bookkeeping", err)
	}
	for _, e := range create {
		name := pgPartitionName(e)
		q := "CREATE TABLE " + pgQuote(name) + " PARTITION OF handover_rows FOR VALUES IN (" + pgLiteral(e) + ")"
		if _, err := x.tx.Exec(ctx, q); err != nil {
			return x.t.fail("begin import: create bookkeeping of "+e, err)
		}
		x.books[e] = bookRel{name: name, own: true, fresh: true}
	}
	return nil
}

// bookOf is where an entity's bookkeeping entries are.
func (x *pgTx) bookOf(entity string) bookRel {
	if r, ok := x.books[entity]; ok {
		return r
	}
	return bookRel{name: "handover_rows"} // not of the format: the whole table answers
}

// An entity's first import fills the partition this transaction created
// for it without its primary key, and builds the key once every entry is
// in: inserted entry by entry, the index took two thirds of the
// bookkeeping COPY's time on the server (990k contacts: 1.5–2.1 s with
// the key, 0.46–0.69 s without it, then 0.51–0.64 s to build it;
// docs/BENCHMARKS.md section 23). The partition is detached meanwhile (a
// partition cannot lose the key its parent has), with a CHECK constraint
// that makes attaching it again skip the scan that would prove its rows
// are the entity's. Nothing reads the entity's bookkeeping through
// handover_rows while it is detached: the direct path holds its entries
// in memory, and the partition is attached again before Load returns.
// Everything happens in the import's transaction: a killed import leaves
// neither the partition nor the parent changed.

// pgBulkCheck names the CHECK constraint a detached partition has.
const pgBulkCheck = "handover_rows_entity_check"

// bulkBook is a fresh partition detached for the direct path's COPYs.
type bulkBook struct {
	entity string
	rel    bookRel
	pkey   string // the name of its primary key constraint, to build again
}

// detachBook detaches entity's partition and drops its primary key when
// this transaction created it; nil when it did not (the COPYs go through
// the index as they come).
func (x *pgTx) detachBook(ctx context.Context, entity string) (*bulkBook, error) {
	rel := x.bookOf(entity)
	if !rel.fresh {
		return nil, nil
	}
	b := &bulkBook{entity: entity, rel: rel}
	const q = `SELECT conname FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'p'`
	if err := x.tx.QueryRow(ctx, q, pgQuote(rel.name)).Scan(&b.pkey); err != nil {
		return nil, x.t.fail("prepare bookkeeping of "+entity, err)
	}
	table := pgQuote(rel.name)
	for _, q := range []string{
		"ALTER TABLE handover_rows DETACH PARTITION " + table,
		"ALTER TABLE " + table + " DROP CONSTRAINT " + pgQuote(b.pkey),
		"ALTER TABLE " + table + " ADD CONSTRAINT " + pgBulkCheck + " CHECK (entity = " + pgLiteral(entity) + ")",
	} {
		if _, err := x.tx.Exec(ctx, q); err != nil {
			return nil, x.t.fail("prepare bookkeeping of "+entity, err)
		}
	}
	rel.fresh = false
	x.books[entity] = rel
	return b, nil
}

// attach builds the partition's primary key and attaches it again, as
// it was created. A key twice in the load (which the target table's own
// unique index stops first) fails the build, naming the key.
func (b *bulkBook) attach(ctx context.Context, x *pgTx, p *core.Mapping) error {
	table := pgQuote(b.rel.name)
	for _, q := range []string{
		"ALTER TABLE " + table + " ADD CONSTRAINT " + pgQuote(b.pkey) + " PRIMARY KEY (entity, key)",
		"ALTER TABLE handover_rows ATTACH PARTITION " + table + " FOR VALUES IN (" + pgLiteral(b.entity) + ")",
		"ALTER TABLE " + table + " DROP CONSTRAINT " + pgBulkCheck,
	} {
		if _, err := x.tx.Exec(ctx, q); err != nil {
			var pe *pgconn.PgError
			if errors.As(err, &pe) && pe.Code == pgUniqueViolation {
				if _, key, ok := violated(p, pe.Detail); ok {
					return fmt.Errorf("record bookkeeping: the key %q is twice in the load", key)
				}
			}
			return x.t.fail("record bookkeeping of "+b.entity, err)
		}
	}
	return nil
}
