package postgres

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
)

// setupSkip gives handover_rows its skip column (load.SkipReader), in a
// database whose bookkeeping predates it too.
func (x *pgTx) setupSkip(ctx context.Context) error {
	const q = `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'handover_rows'::regclass
		AND attname = '` + core.SkipColumn + `' AND NOT attisdropped)`
	var has bool
	if err := x.tx.QueryRow(ctx, q).Scan(&has); err != nil {
		return x.t.fail("begin import: inspect bookkeeping", err)
	}
	if has {
		return nil
	}
	if _, err := x.tx.Exec(ctx, "ALTER TABLE handover_rows ADD COLUMN "+core.SkipColumn+" bytea"); err != nil {
		return x.t.fail("begin import: add column "+core.SkipColumn+" to handover_rows", err)
	}
	return nil
}

// appendSkip appends skip data as a bytea COPY field, null when there is
// none.
func appendSkip(buf, skip []byte) []byte {
	if skip == nil {
		return binary.BigEndian.AppendUint32(buf, 0xffffffff)
	}
	return appendBytes(buf, skip)
}

// storeSkips records the new skip data of unchanged rows.
func (x *pgTx) storeSkips(ctx context.Context, p *core.Mapping, keys []string, skips [][]byte) error {
	const q = `UPDATE handover_rows h SET ` + core.SkipColumn + ` = u.s
		FROM unnest($2::text[], $3::bytea[]) AS u(k, s) WHERE h.entity = $1 AND h.key = u.k`
	for len(keys) > 0 {
		n := min(len(keys), pgChunk)
		if _, err := x.tx.Exec(ctx, q, p.Entity.Name, keys[:n], skips[:n]); err != nil {
			return x.t.fail("record bookkeeping", err)
		}
		keys, skips = keys[n:], skips[n:]
	}
	return nil
}

// Skips hands into every bookkeeping entry of entity that holds skip
// data. The entries are read once (one binary COPY): the bookkeeping the
// entity's Load then needs is kept from the same pass.
func (x *pgTx) Skips(ctx context.Context, entity string, into load.SkipSink) error {
	b, err := x.readBookSkips(ctx, entity, into)
	if err != nil {
		return fmt.Errorf("read skip data: %w", err)
	}
	b.Compact() // the room its arrays grew into past the estimate, kept through the entity's stream, would cost collections
	x.prefetched = map[string]*core.Book{entity: b}
	x.State().SkipBooks[entity] = b
	return nil
}

// takeBook returns the bookkeeping Skips read for entity, once; nil when
// there is none.
func (x *pgTx) takeBook(entity string) *core.Book {
	b := x.prefetched[entity]
	x.prefetched = nil
	return b
}
