package dbsource

import (
	"context"
	"database/sql"
	"runtime"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/handover/handover/internal/testenv"
)

// heapWriter discards what it is given and samples the heap as it goes.
type heapWriter struct {
	n, base, peak uint64
}

func newHeapWriter() *heapWriter {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return &heapWriter{base: ms.HeapAlloc}
}

func (h *heapWriter) Write(p []byte) (int, error) {
	before := h.n
	h.n += uint64(len(p))
	if h.n/(4<<20) != before/(4<<20) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc > h.base {
			h.peak = max(h.peak, ms.HeapAlloc-h.base)
		}
	}
	return len(p), nil
}

// A snapshot streams: the heap stays far below the size of what it wrote.
func checkFlat(t *testing.T, c Conn, query string, rows int64) {
	t.Helper()
	w := newHeapWriter()
	var meta Meta
	if err := c.Snapshot(context.Background(), query, w, &meta); err != nil {
		t.Fatal(err)
	}
	if meta.Rows != rows {
		t.Errorf("%d rows, want %d", meta.Rows, rows)
	}
	if w.peak > 16<<20 || w.n < 20<<20 {
		t.Errorf("wrote %d MB, heap grew by up to %d MB", w.n>>20, w.peak>>20)
	}
	t.Logf("%s: %d MB written, heap above start at most %.1f MB", c.Server(), w.n>>20, float64(w.peak)/(1<<20))
}

func TestSnapshotMemoryIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("snapshots 300,000 rows")
	}
	const rows = 300_000
	t.Run("postgres", func(t *testing.T) {
		dsn := testenv.FreshPostgres(t)
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		_, err = conn.Exec(ctx, `CREATE TABLE big AS SELECT i AS id, repeat('x', 60) || i AS note, now() AS at FROM generate_series(1, 300000) AS i`)
		conn.Close(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c, err := Open(ctx, dsn, "")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		checkFlat(t, c, "select * from big", rows)
	})
	t.Run("mysql", func(t *testing.T) {
		dsn := testenv.FreshMySQL(t)
		db, err := sql.Open("mysql", dsn)
		if err != nil {
			t.Fatal(err)
		}
		// portable to MySQL and MariaDB: a cross join of digits
		for _, stmt := range []string{
			`CREATE TABLE d (n int)`,
			`INSERT INTO d VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)`,
			`CREATE TABLE big AS SELECT id, CONCAT(REPEAT('x', 60), id) AS note, NOW() AS at FROM
				(SELECT a.n + 10*b.n + 100*c.n + 1000*e.n + 10000*f.n + 100000*g.n AS id
				 FROM d a, d b, d c, d e, d f, d g) AS s WHERE id < 300000`,
		} {
			if _, err := db.Exec(stmt); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
		c, err := Open(context.Background(), mysqlURL(t, dsn), "")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		checkFlat(t, c, "select * from big", rows)
	})
}
