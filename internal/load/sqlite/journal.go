package sqlite

import (
	"context"
	"database/sql"
	"strconv"
)

// sqliteBusyTimeout is how long, in milliseconds, a statement waits for a
// lock another connection holds before it fails with SQLITE_BUSY.
const sqliteBusyTimeout = 2000

// An environment database rests in WAL mode, so that its runs can be read
// while an import writes. An import that has the database to itself writes
// with a rollback journal instead: WAL would write every page twice (into
// the log, then into the database when the log is checkpointed at the
// commit), a rollback journal writes the pages the database did not have
// yet once and keeps a copy of only the pages it changes. The commit stays
// atomic (a killed import leaves a hot journal, which the next connection
// rolls back before it reads), and synchronous=FULL keeps it durable across
// a power loss. docs/BENCHMARKS.md section 3 has the figures.

// rollbackJournal switches the database of conn, which holds no
// transaction, from WAL to a rollback journal, if no other connection has
// it open (WAL readers hold a lock that forbids the switch; then it stays
// in WAL, without waiting), and reports whether it did.
func rollbackJournal(ctx context.Context, conn *sql.Conn) bool {
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		return false
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA busy_timeout = "+strconv.Itoa(sqliteBusyTimeout))
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode = DELETE").Scan(&mode); err != nil || mode != "delete" {
		return false
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = FULL"); err != nil {
		restWAL(ctx, conn)
		return false
	}
	return true
}

// restWAL puts the database of conn, which holds no transaction, back in
// WAL mode after an import wrote with a rollback journal. It is best
// effort: a database left in the rollback journal mode (the process was
// killed, another connection held the lock) is switched back by the next
// connection that opens it (Open asks for WAL).
func restWAL(ctx context.Context, conn *sql.Conn) {
	ctx = context.WithoutCancel(ctx)
	conn.ExecContext(ctx, "PRAGMA journal_mode = WAL")
	conn.ExecContext(ctx, "PRAGMA synchronous = NORMAL")
}
