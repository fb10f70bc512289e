package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
)

// sqliteBusy is SQLITE_BUSY; extended codes keep it in the low byte.
const sqliteBusy = 5

// sqliteTarget is an environment database in one SQLite file.
type sqliteTarget struct {
	db   *sql.DB
	path string
	opts load.Options
}

// Backend is the SQLite backend: "sqlite://PATH".
func Backend() load.Backend {
	return load.Backend{Name: "sqlite", Form: "sqlite://PATH", Open: Open,
		Match: func(dsn string) bool { return strings.HasPrefix(dsn, "sqlite://") }}
}

// Open opens (and creates) the database file of "sqlite://PATH": an
// absolute path is written sqlite:///abs/path.db, a relative one is
// relative to the working directory; missing directories are created.
func Open(ctx context.Context, dsn string, opts load.Options) (load.Target, error) {
	path, ok := strings.CutPrefix(dsn, "sqlite://")
	if !ok {
		return nil, fmt.Errorf("open database %s: not an sqlite:// DSN", load.Redact(dsn))
	}
	if path == "" {
		return nil, errors.New("open database sqlite://: the path is empty")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("open database sqlite://%s: %w", path, err)
		}
	}
	uri := "file:" + sqliteURIPath(path) + "?_pragma=busy_timeout(" + strconv.Itoa(sqliteBusyTimeout) + ")" +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	// Switching a new database to WAL needs its lock: while another import
	// holds it (it has just created the file), opening waits as Begin does.
	w := load.NewWaiter(opts)
	for {
		db, err := sql.Open("sqlite", uri)
		if err != nil {
			return nil, fmt.Errorf("open database sqlite://%s: %w", path, err)
		}
		db.SetMaxOpenConns(1)
		err = db.PingContext(ctx)
		if err == nil {
			return &sqliteTarget{db: db, path: path, opts: opts}, nil
		}
		db.Close()
		if !isSQLiteBusy(err) {
			return nil, fmt.Errorf("open database sqlite://%s: %w", path, err)
		}
		if err := w.Wait(ctx, ""); err != nil {
			return nil, err
		}
	}
}

// sqliteURIPath escapes the characters a SQLite URI filename gives a meaning.
func sqliteURIPath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}

func isSQLiteBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqliteBusy
}

// Begin takes the write lock, sets up the bookkeeping and the target tables.
func (t *sqliteTarget) Begin(ctx context.Context, f *format.Format) (load.Tx, error) {
	x, err := t.begin(ctx, f, true)
	if err != nil {
		return nil, err
	}
	return x, nil
}

// begin is Begin; mayJournal says whether the transaction may write with
// a rollback journal (a diff, always rolled back, stays in WAL).
func (t *sqliteTarget) begin(ctx context.Context, f *format.Format, mayJournal bool) (*sqliteTx, error) {
	ps, err := core.Mappings(f)
	if err != nil {
		return nil, fmt.Errorf("begin import: %w", err)
	}
	conn, journal, err := t.lock(ctx, mayJournal)
	if err != nil {
		return nil, err
	}
	x := &sqliteTx{t: t, tx: conn, journal: journal, TxState: core.NewTxState(), referenced: core.Referenced(f), cache: map[string]*core.Book{}}
	for _, p := range ps {
		x.Mappings[p.Entity.Name] = p
	}
	if err := x.setup(ctx, ps); err != nil {
		x.Rollback(ctx)
		return nil, err
	}
	return x, nil
}

// lock returns a connection in a transaction holding the write lock, and
// whether the transaction writes with a rollback journal (journal.go; only
// if mayJournal).
// BEGIN IMMEDIATE takes the lock now; a second import waits busy_timeout
// for it, again until LockWait is over, and is then refused.
func (t *sqliteTarget) lock(ctx context.Context, mayJournal bool) (*sql.Conn, bool, error) {
	w := load.NewWaiter(t.opts)
	for {
		conn, err := t.db.Conn(ctx)
		if err != nil {
			return nil, false, fmt.Errorf("begin import: %w", err)
		}
		journal := mayJournal && rollbackJournal(ctx, conn)
		_, err = conn.ExecContext(ctx, "BEGIN IMMEDIATE")
		if err == nil {
			return conn, journal, nil
		}
		if journal {
			restWAL(ctx, conn)
		}
		conn.Close()
		if !isSQLiteBusy(err) {
			return nil, false, fmt.Errorf("begin import: %w", err)
		}
		if err := w.Wait(ctx, ""); err != nil {
			return nil, false, err
		}
	}
}

// Close closes the database.
func (t *sqliteTarget) Close() error { return t.db.Close() }

// sqliteTx is one import's transaction on SQLite, on a connection of its
// own that runs BEGIN IMMEDIATE … COMMIT.
type sqliteTx struct {
	t            *sqliteTarget
	tx           *sql.Conn
	journal      bool // writes with a rollback journal: WAL again once finished (journal.go)
	core.TxState      // mappings, first failed load, done
	referenced   map[string]bool
	cache        map[string]*core.Book // bookkeeping of referenced entities, once read
	delta        *core.DeltaState      // delta.go: what Sweep needs; nil until used
}

const sqliteBookkeeping = `
CREATE TABLE IF NOT EXISTS handover_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS handover_rows (
	entity TEXT NOT NULL, key TEXT NOT NULL, fingerprint BLOB NOT NULL, target_id INTEGER NOT NULL,
	PRIMARY KEY (entity, key)) WITHOUT ROWID`

// setup creates the bookkeeping tables, checks the existing target tables
// against the format and creates the missing ones.
func (x *sqliteTx) setup(ctx context.Context, ps []*core.Mapping) error {
	if _, err := x.tx.ExecContext(ctx, sqliteBookkeeping); err != nil {
		return fmt.Errorf("begin import: create bookkeeping: %w", err)
	}
	if err := x.checkSchemaVersion(ctx); err != nil {
		return err
	}
	if err := x.setupSkip(ctx); err != nil {
		return err
	}
	var missing []*core.Mapping
	var bad []load.TableMismatch
	for _, p := range ps {
		exists, problems, err := x.inspect(ctx, p)
		if err != nil {
			return fmt.Errorf("begin import: inspect table %s: %w", p.Table, err)
		}
		switch {
		case !exists:
			missing = append(missing, p)
		case len(problems) > 0:
			bad = append(bad, load.TableMismatch{Table: p.Table, Problems: problems})
		}
	}
	if len(bad) > 0 {
		return &load.SchemaError{Tables: bad}
	}
	for _, p := range missing {
		if _, err := x.tx.ExecContext(ctx, sqliteCreateTable(p)); err != nil {
			return fmt.Errorf("begin import: create table %s: %w", p.Table, err)
		}
	}
	return x.setupRemovedAt(ctx, ps)
}

// checkSchemaVersion records the bookkeeping's schema version on first use
// and refuses a database written by a newer handover.
func (x *sqliteTx) checkSchemaVersion(ctx context.Context) error {
	var v string
	err := x.tx.QueryRowContext(ctx, "SELECT value FROM handover_meta WHERE name = 'schema_version'").Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		const ins = "INSERT INTO handover_meta (name, value) VALUES ('schema_version', ?), ('created', ?)"
		if _, err := x.tx.ExecContext(ctx, ins, core.SchemaVersion, x.t.opts.CurrentTime().UTC().Format(time.RFC3339)); err != nil {
			return fmt.Errorf("begin import: record bookkeeping version: %w", err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("begin import: read bookkeeping version: %w", err)
	case v != core.SchemaVersion:
		return fmt.Errorf("begin import: the environment's bookkeeping has version %s, this handover knows version %s", v, core.SchemaVersion)
	}
	return nil
}

// Keys returns the source keys of an entity present in the environment.
func (x *sqliteTx) Keys(ctx context.Context, entity string) (map[string]struct{}, error) {
	rows, err := x.tx.QueryContext(ctx, "SELECT key FROM handover_rows WHERE entity = ?", entity)
	if err != nil {
		return nil, fmt.Errorf("read keys of %s: %w", entity, err)
	}
	defer rows.Close()
	keys := map[string]struct{}{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("read keys of %s: %w", entity, err)
		}
		keys[k] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read keys of %s: %w", entity, err)
	}
	return keys, nil
}

// Commit commits the import, unless a Load failed.
func (x *sqliteTx) Commit(ctx context.Context) error {
	if x.Done {
		return errors.New("commit: the transaction is already finished")
	}
	if x.Failed != nil {
		x.Rollback(ctx)
		return fmt.Errorf("commit: an earlier load failed, nothing was imported: %w", x.Failed)
	}
	load.BeforeCommit(ctx)
	x.Done = true
	defer x.close(ctx)
	if _, err := x.tx.ExecContext(ctx, "COMMIT"); err != nil {
		x.tx.ExecContext(context.Background(), "ROLLBACK")
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// close hands the connection, out of its transaction, back to the pool.
func (x *sqliteTx) close(ctx context.Context) {
	if x.journal {
		restWAL(ctx, x.tx)
	}
	x.tx.Close()
}

// Rollback discards the import; after Commit it does nothing.
func (x *sqliteTx) Rollback(ctx context.Context) error {
	if x.Done {
		return nil
	}
	x.Done = true
	defer x.close(ctx)
	// Even when ctx has ended: the connection must not stay in the transaction.
	if _, err := x.tx.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); err != nil {
		return fmt.Errorf("rollback: %w", err)
	}
	return nil
}
