package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
)

// pgTarget is an environment database on a PostgreSQL server, reached
// through one connection.
type pgTarget struct {
	conn     *pgx.Conn
	opts     load.Options
	password string // to keep it out of error texts
}

// Backend is the PostgreSQL backend: postgres://…, postgresql://… or a
// libpq key=value DSN.
func Backend() load.Backend {
	return load.Backend{Name: "postgres", Form: "postgres://…", Match: IsDSN, Open: Open}
}

// Open connects to the PostgreSQL database of dsn, through one
// connection. Errors never contain the password.
func Open(ctx context.Context, dsn string, opts load.Options) (load.Target, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, parseError(dsn, err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, core.RedactErr(fmt.Errorf("open database %s: %w", load.Redact(dsn), err), cfg.Password)
	}
	t := &pgTarget{conn: conn, opts: opts, password: cfg.Password}
	if err := t.setSession(ctx, cfg.RuntimeParams["application_name"] == ""); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	return t, nil
}

// setSession makes the server end the session within a second of its
// client dying (PostgreSQL 14 and later), so that a killed import does not
// hold the environment's lock until TCP notices, and, unless the DSN names
// it, names the session after the run that holds it, for an import that
// waits.
func (t *pgTarget) setSession(ctx context.Context, name bool) error {
	_, err := t.conn.Exec(ctx, "SET client_connection_check_interval = 1000")
	var pe *pgconn.PgError
	if err != nil && !(errors.As(err, &pe) && pe.Code == "42704") { // 42704: unknown before PostgreSQL 14
		return t.fail("open database: set client_connection_check_interval", err)
	}
	if !name {
		return nil
	}
	app := "handover " + t.opts.Env
	if t.opts.Holder != "" {
		app += ": " + t.opts.Holder
	}
	if _, err := t.conn.Exec(ctx, "SELECT set_config('application_name', $1, false)", truncate(app, 63)); err != nil {
		return t.fail("open database: set application_name", err)
	}
	return nil
}

func truncate(s string, n int) string {
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

// parseError says why dsn does not parse. pgx's message repeats the
// connection string in backticks; it is left out, the DSN is named once,
// redacted.
func parseError(dsn string, err error) error {
	var pce *pgconn.ParseConfigError
	if !errors.As(err, &pce) {
		return core.RedactErr(fmt.Errorf("open database %s: %w", load.Redact(dsn), err), "")
	}
	msg := pce.Error()
	if i := strings.Index(msg, "`: "); i >= 0 {
		msg = msg[i+3:]
	}
	return core.RedactErr(fmt.Errorf("open database %s: %s", load.Redact(dsn), msg), "")
}

// Close closes the connection.
func (t *pgTarget) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return t.conn.Close(ctx)
}

// Begin takes the environment's advisory lock, then sets up the
// bookkeeping and the target tables, all in one transaction.
func (t *pgTarget) Begin(ctx context.Context, f *format.Format) (load.Tx, error) {
	ps, err := core.Mappings(f)
	if err != nil {
		return nil, fmt.Errorf("begin import: %w", err)
	}
	tx, err := t.lock(ctx)
	if err != nil {
		return nil, err
	}
	x := &pgTx{t: t, tx: tx, TxState: core.NewTxState(), tables: map[string]*pgTable{}, refs: map[string]*core.Book{},
		refIdx: map[string]*core.RefIndex{}}
	for _, p := range ps {
		x.Mappings[p.Entity.Name] = p
	}
	if err := x.setup(ctx, ps); err != nil {
		tx.Rollback(ctx)
		return nil, err
	}
	return x, nil
}

// lock begins the transaction holding the environment's advisory lock,
// waiting for another import's up to LockWait.
func (t *pgTarget) lock(ctx context.Context) (pgx.Tx, error) {
	key := "handover/" + t.opts.Env
	w := load.NewWaiter(t.opts)
	for {
		tx, err := t.conn.Begin(ctx)
		if err != nil {
			return nil, t.fail("begin import", err)
		}
		var locked bool
		err = tx.QueryRow(ctx, "SELECT pg_try_advisory_xact_lock(hashtext($1))", key).Scan(&locked)
		if err == nil && locked {
			return tx, nil
		}
		tx.Rollback(ctx)
		if err != nil {
			return nil, t.fail("begin import: lock environment", err)
		}
		holder := ""
		if t.opts.LockWait > 0 {
			holder = t.holder(ctx, key)
		}
		if err := w.Wait(ctx, holder); err != nil {
			return nil, err
		}
	}
}

// holderQuery finds the session holding the advisory lock of key, by the
// two halves of the lock's 64-bit id.
const holderQuery = `SELECT coalesce(a.application_name, ''), a.pid, a.xact_start
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.objid::bigint = (hashtext($1)::bigint & 4294967295)
  AND l.classid::bigint = ((hashtext($1)::bigint >> 32) & 4294967295)
LIMIT 1`

// holder says who holds the lock of key: the run its session is named
// after, or the session; "" when that cannot be read.
func (t *pgTarget) holder(ctx context.Context, key string) string {
	var name string
	var pid int
	var since *time.Time
	if err := t.conn.QueryRow(ctx, holderQuery, key).Scan(&name, &pid, &since); err != nil {
		return ""
	}
	if n, ok := strings.CutPrefix(name, "handover "+t.opts.Env+": "); ok {
		return n
	}
	s := fmt.Sprintf("server process %d", pid)
	if since != nil {
		s += " since " + since.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	return s
}

// fail prefixes err with what was being done, with the server's detail
// and without the password.
func (t *pgTarget) fail(doing string, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Detail != "" {
		return core.RedactErr(fmt.Errorf("%s: %w (%s)", doing, err, pe.Detail), t.password)
	}
	return core.RedactErr(fmt.Errorf("%s: %w", doing, err), t.password)
}

// pgTx is one import's transaction on PostgreSQL.
type pgTx struct {
	t            *pgTarget
	tx           pgx.Tx
	core.TxState                           // mappings, first failed load, done
	tables       map[string]*pgTable       // by entity
	refs         map[string]*core.Book     // bookkeeping of entities fix-ups link to, once read
	refIdx       map[string]*core.RefIndex // key → target id of referenced entities, once read (load.go)
	delta        *core.DeltaState          // delta.go: what Sweep needs; nil until used
	prefetched   map[string]*core.Book     // skip.go: the bookkeeping Skips read for the next Load
	books        map[string]bookRel        // partition.go: where each entity's bookkeeping is
}

// pgNoJIT turns the server's JIT compilation off for the import's
// transaction. Its statements are COPYs and merges of the rows that
// changed, by index; the planner's estimates of a merge's joins through
// the partitioned bookkeeping can be far off (23.8M rows for the 9,840 of
// a 1 % delta of 1M contacts), and past jit_optimize_above_cost the
// server then spent 219 ms compiling a statement that ran in 880 ms.
const pgNoJIT = "SET LOCAL jit = off"

// setup creates the bookkeeping tables, checks the existing target tables
// against the format and creates the missing ones.
func (x *pgTx) setup(ctx context.Context, ps []*core.Mapping) error {
	if _, err := x.tx.Exec(ctx, pgNoJIT+"; "+pgBookkeeping); err != nil {
		return x.t.fail("begin import: create bookkeeping", err)
	}
	if err := x.checkSchemaVersion(ctx); err != nil {
		return err
	}
	if err := x.setupSkip(ctx); err != nil {
		return err
	}
	if err := x.setupPartitions(ctx, ps); err != nil {
		return err
	}
	var missing []*core.Mapping
	var bad []load.TableMismatch
	for _, p := range ps {
		table, problems, err := x.inspect(ctx, p)
		if err != nil {
			return x.t.fail("begin import: inspect table "+p.Table, err)
		}
		switch {
		case table == nil:
			missing = append(missing, p)
			table = newPGTable(p)
		case len(problems) > 0:
			bad = append(bad, load.TableMismatch{Table: p.Table, Problems: problems})
		}
		x.tables[p.Entity.Name] = table
	}
	if len(bad) > 0 {
		return &load.SchemaError{Tables: bad}
	}
	for _, p := range missing {
		if _, err := x.tx.Exec(ctx, pgCreateTable(p)); err != nil {
			return x.t.fail("begin import: create table "+p.Table, err)
		}
	}
	return x.setupRemovedAt(ctx, ps)
}

// checkSchemaVersion records the bookkeeping's schema version on first use
// and refuses a database written by a newer handover.
func (x *pgTx) checkSchemaVersion(ctx context.Context) error {
	var v string
	err := x.tx.QueryRow(ctx, "SELECT value FROM handover_meta WHERE name = 'schema_version'").Scan(&v)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		const ins = "INSERT INTO handover_meta (name, value) VALUES ('schema_version', $1), ('created', $2)"
		if _, err := x.tx.Exec(ctx, ins, core.SchemaVersion, x.t.opts.CurrentTime().UTC().Format(time.RFC3339)); err != nil {
			return x.t.fail("begin import: record bookkeeping version", err)
		}
		return nil
	case err != nil:
		return x.t.fail("begin import: read bookkeeping version", err)
	case v != core.SchemaVersion:
		return fmt.Errorf("begin import: the environment's bookkeeping has version %s, this handover knows version %s", v, core.SchemaVersion)
	}
	return nil
}

// Keys returns the source keys of an entity present in the environment.
func (x *pgTx) Keys(ctx context.Context, entity string) (map[string]struct{}, error) {
	rows, err := x.tx.Query(ctx, "SELECT key FROM handover_rows WHERE entity = $1", entity)
	if err != nil {
		return nil, x.t.fail("read keys of "+entity, err)
	}
	keys := map[string]struct{}{}
	var k string
	_, err = pgx.ForEachRow(rows, []any{&k}, func() error {
		keys[k] = struct{}{}
		return nil
	})
	if err != nil {
		return nil, x.t.fail("read keys of "+entity, err)
	}
	return keys, nil
}

// Commit commits the import, unless a Load failed.
func (x *pgTx) Commit(ctx context.Context) error {
	if x.Done {
		return errors.New("commit: the transaction is already finished")
	}
	if x.Failed != nil {
		x.Rollback(ctx)
		return fmt.Errorf("commit: an earlier load failed, nothing was imported: %w", x.Failed)
	}
	load.BeforeCommit(ctx)
	x.Done = true
	x.closeRefs()
	if err := x.tx.Commit(ctx); err != nil {
		return x.t.fail("commit", err)
	}
	return nil
}

// Rollback discards the import; after Commit it does nothing.
func (x *pgTx) Rollback(ctx context.Context) error {
	if x.Done {
		return nil
	}
	x.Done = true
	x.closeRefs()
	if x.tx.Conn().IsClosed() {
		return nil // the server rolled back when the connection ended
	}
	if err := x.tx.Rollback(ctx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		return x.t.fail("rollback", err)
	}
	return nil
}

// BackendPID is the process id of the server backend of the connection
// (benchmarks read its CPU time).
func (t *pgTarget) BackendPID() uint32 { return t.conn.PgConn().PID() }
