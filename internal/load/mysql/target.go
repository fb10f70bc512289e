// Package mysql is the MySQL / MariaDB backend of load: an environment
// database reached as mysql://user:password@host:port/database (or
// mariadb://…) through github.com/go-sql-driver/mysql.
//
// MySQL's DDL is not transactional: CREATE TABLE and ALTER TABLE commit
// on their own. Begin therefore creates what is missing before the
// import's transaction starts and records it in handover_meta
// (pending_ddl); the transaction deletes that record, so it disappears
// with the commit. Rollback, and a Commit or Load that fails, drop again
// what Begin created. A process killed mid-import cannot; the record
// stays, and the next Begin on the environment drops the (empty) tables
// and columns it names before it does anything else.
package mysql

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
)

// Backend is the MySQL / MariaDB backend.
func Backend() load.Backend {
	return load.Backend{Name: "mysql", Form: "mysql://user:password@host:port/database", Match: IsDSN, Open: Open}
}

// target is an environment database on a MySQL or MariaDB server.
type target struct {
	db   *sql.DB
	cfg  *driver.Config
	opts load.Options
	// inserts: new rows go by INSERT even when the server takes LOAD
	// DATA LOCAL INFILE (the tests run the suite both ways).
	inserts bool
}

// Open connects to the database of dsn. Errors never contain the password.
func Open(ctx context.Context, dsn string, opts load.Options) (load.Target, error) {
	cfg, err := config(dsn)
	if err != nil {
		return nil, err
	}
	conn, err := driver.NewConnector(cfg)
	if err != nil {
		return nil, core.RedactErr(fmt.Errorf("open database %s: %w", load.Redact(dsn), err), cfg.Passwd)
	}
	db := sql.OpenDB(conn)
	// No idle connections: a connection carries its session (the
	// environment's lock) and must not go back to a pool.
	db.SetMaxIdleConns(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, core.RedactErr(fmt.Errorf("open database %s: %w", load.Redact(dsn), err), cfg.Passwd)
	}
	return &target{db: db, cfg: cfg, opts: opts}, nil
}

// Close closes the connections.
func (t *target) Close() error { return t.db.Close() }

// fail prefixes err with what was being done, without the password.
func (t *target) fail(doing string, err error) error {
	return core.RedactErr(fmt.Errorf("%s: %w", doing, err), t.cfg.Passwd)
}

// lockName is the server-wide name of the environment's lock: per
// database and environment, at most 64 characters.
func (t *target) lockName() string {
	name := "handover/" + t.cfg.DBName + "/" + t.opts.Env
	if len(name) > 64 {
		sum := sha256.Sum256([]byte(name))
		name = "handover/" + hex.EncodeToString(sum[:20])
	}
	return name
}

// Begin takes the environment's lock, sets up the bookkeeping and the
// target tables, then starts the import's transaction.
func (t *target) Begin(ctx context.Context, f *format.Format) (load.Tx, error) {
	return t.begin(ctx, f)
}

// BeginDiff starts a transaction that computes what an import would do.
func (t *target) BeginDiff(ctx context.Context, f *format.Format) (load.DiffTx, error) {
	x, err := t.begin(ctx, f)
	if err != nil {
		return nil, err
	}
	return core.NewDiffTx(x), nil
}

func (t *target) begin(ctx context.Context, f *format.Format) (*tx, error) {
	ps, err := core.Mappings(f)
	if err != nil {
		return nil, fmt.Errorf("begin import: %w", err)
	}
	conn, err := t.db.Conn(ctx)
	if err != nil {
		return nil, t.fail("begin import", err)
	}
	x := &tx{t: t, conn: conn, TxState: core.NewTxState(), referenced: core.Referenced(f), cache: map[string]*core.Book{}}
	for _, p := range ps {
		x.Mappings[p.Entity.Name] = p
	}
	if err := x.lock(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	if err := x.setup(ctx, ps); err != nil {
		x.Rollback(ctx)
		return nil, err
	}
	return x, nil
}

// tx is one import: its connection holds the environment's lock and runs
// START TRANSACTION … COMMIT.
type tx struct {
	t            *target
	conn         *sql.Conn
	core.TxState // mappings, first failed load, done
	referenced   map[string]bool
	cache        map[string]*core.Book // bookkeeping of referenced entities, once read
	ddl          []ddl                 // what Begin created, undone on rollback
	inTx         bool
	infile       *bool // whether the server takes LOAD DATA LOCAL INFILE, once asked
	delta        *core.DeltaState
}

// lock takes the environment's lock, waiting up to Options.LockWait while
// another import holds it (MySQL cannot tell who). The server releases it
// when the connection ends.
func (x *tx) lock(ctx context.Context) error {
	w := load.NewWaiter(x.t.opts)
	for {
		var got sql.NullInt64
		if err := x.conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", x.t.lockName()).Scan(&got); err != nil {
			return x.t.fail("begin import: lock environment", err)
		}
		if got.Int64 == 1 {
			return nil
		}
		if err := w.Wait(ctx, ""); err != nil {
			return err
		}
	}
}

// exec runs a statement on the transaction's connection.
func (x *tx) exec(ctx context.Context, doing, q string, args ...any) error {
	if _, err := x.conn.ExecContext(ctx, q, args...); err != nil {
		return x.t.fail(doing, err)
	}
	return nil
}

// checkSchemaVersion records the bookkeeping's schema version on first use
// and refuses a database written by a newer handover.
func (x *tx) checkSchemaVersion(ctx context.Context) error {
	var v string
	err := x.conn.QueryRowContext(ctx, "SELECT value FROM handover_meta WHERE name = 'schema_version'").Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		const ins = "INSERT INTO handover_meta (name, value) VALUES ('schema_version', ?), ('created', ?)"
		return x.exec(ctx, "begin import: record bookkeeping version", ins, core.SchemaVersion,
			x.t.opts.CurrentTime().UTC().Format(time.RFC3339))
	case err != nil:
		return x.t.fail("begin import: read bookkeeping version", err)
	case v != core.SchemaVersion:
		return fmt.Errorf("begin import: the environment's bookkeeping has version %s, this handover knows version %s", v, core.SchemaVersion)
	}
	return nil
}

// Keys returns the source keys of an entity present in the environment.
func (x *tx) Keys(ctx context.Context, entity string) (map[string]struct{}, error) {
	rows, err := x.conn.QueryContext(ctx, "SELECT `key` FROM handover_rows WHERE entity = ?", entity)
	if err != nil {
		return nil, x.t.fail("read keys of "+entity, err)
	}
	defer rows.Close()
	keys := map[string]struct{}{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, x.t.fail("read keys of "+entity, err)
		}
		keys[k] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return nil, x.t.fail("read keys of "+entity, err)
	}
	return keys, nil
}

// Commit commits the import, unless a Load failed.
func (x *tx) Commit(ctx context.Context) error {
	if x.Done {
		return errors.New("commit: the transaction is already finished")
	}
	if x.Failed != nil {
		x.Rollback(ctx)
		return fmt.Errorf("commit: an earlier load failed, nothing was imported: %w", x.Failed)
	}
	load.BeforeCommit(ctx)
	if _, err := x.conn.ExecContext(ctx, "COMMIT"); err != nil {
		x.Rollback(ctx)
		return x.t.fail("commit", err)
	}
	x.Done = true
	x.release(ctx)
	return nil
}

// Rollback discards the import and drops what Begin created; after
// Commit it does nothing.
func (x *tx) Rollback(ctx context.Context) error {
	if x.Done {
		return nil
	}
	x.Done = true
	// Even when ctx has ended: the environment must be left as it was.
	ctx = context.WithoutCancel(ctx)
	var errs []error
	if x.inTx {
		if _, err := x.conn.ExecContext(ctx, "ROLLBACK"); err != nil {
			errs = append(errs, x.t.fail("rollback", err))
		}
	}
	if err := x.undoDDL(ctx); err != nil {
		errs = append(errs, err)
	}
	x.release(ctx)
	return errors.Join(errs...)
}

// release gives the environment's lock back and closes the connection.
func (x *tx) release(ctx context.Context) {
	x.conn.ExecContext(ctx, "DO RELEASE_LOCK(?)", x.t.lockName())
	x.conn.Close()
}

func (x *tx) State() *core.DeltaState {
	if x.delta == nil {
		x.delta = core.NewDeltaState()
	}
	return x.delta
}
