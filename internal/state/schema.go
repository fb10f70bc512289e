package state

// Migrations, one list of statements per schema version, in order. Never
// change a released entry: append a new version. "$MIGRATION" stands for
// the opening store's migration name as an SQL literal: schema 2 gives the
// data of a single-project store to the first migration that opens it.
var (
	sqliteMigrations   = [][]string{sqliteV1, sqliteV2}
	postgresMigrations = [][]string{postgresV1, postgresV2}
)

var sqliteV1 = []string{
	`CREATE TABLE runs (
		number     INTEGER PRIMARY KEY,
		kind       TEXT NOT NULL,
		env        TEXT NOT NULL DEFAULT '',
		extraction INTEGER NOT NULL DEFAULT 0,
		status     TEXT NOT NULL,
		started    TEXT NOT NULL,
		finished   TEXT,
		pid        INTEGER NOT NULL DEFAULT 0,
		host       TEXT NOT NULL DEFAULT '',
		artifacts  TEXT NOT NULL DEFAULT '',
		protocol   TEXT)`,
	`CREATE INDEX runs_env ON runs (env, number)`,
	`CREATE INDEX runs_status ON runs (status)`,
	`CREATE TABLE approvals (
		id      INTEGER PRIMARY KEY AUTOINCREMENT,
		run     INTEGER NOT NULL REFERENCES runs (number),
		role    TEXT NOT NULL,
		by_name TEXT NOT NULL,
		note    TEXT NOT NULL DEFAULT '',
		at      TEXT NOT NULL,
		refused INTEGER NOT NULL DEFAULT 0)`,
	`CREATE INDEX approvals_run ON approvals (run)`,
	`CREATE TABLE audit (
		seq       INTEGER PRIMARY KEY,
		at        TEXT NOT NULL,
		actor     TEXT NOT NULL,
		action    TEXT NOT NULL,
		detail    TEXT NOT NULL,
		prev_hash TEXT NOT NULL,
		hash      TEXT NOT NULL)`,
	`CREATE TABLE facts (
		key   TEXT PRIMARY KEY,
		value TEXT NOT NULL,
		at    TEXT NOT NULL)`,
}

// sqliteV2: tenancy, leases, who started a run, sign-offs bound to their
// audit entry, typed audit entries, the outbox. SQLite cannot change a
// primary key in place: the tables are rebuilt, children first.
var sqliteV2 = []string{
	`CREATE TABLE approvals_v2 (
		id            INTEGER PRIMARY KEY AUTOINCREMENT,
		migration     TEXT NOT NULL DEFAULT '',
		run           INTEGER NOT NULL,
		role          TEXT NOT NULL,
		by_name       TEXT NOT NULL,
		authenticated INTEGER NOT NULL DEFAULT 0,
		note          TEXT NOT NULL DEFAULT '',
		at            TEXT NOT NULL,
		refused       INTEGER NOT NULL DEFAULT 0,
		audit_seq     INTEGER NOT NULL DEFAULT 0)`,
	`INSERT INTO approvals_v2 (id, migration, run, role, by_name, note, at, refused)
		SELECT id, $MIGRATION, run, role, by_name, note, at, refused FROM approvals`,
	`DROP TABLE approvals`,
	`ALTER TABLE approvals_v2 RENAME TO approvals`,
	`CREATE INDEX approvals_run ON approvals (migration, run)`,
	`CREATE TABLE runs_v2 (
		migration     TEXT NOT NULL DEFAULT '',
		number        INTEGER NOT NULL,
		kind          TEXT NOT NULL,
		env           TEXT NOT NULL DEFAULT '',
		extraction    INTEGER NOT NULL DEFAULT 0,
		status        TEXT NOT NULL,
		started       TEXT NOT NULL,
		finished      TEXT,
		pid           INTEGER NOT NULL DEFAULT 0,
		host          TEXT NOT NULL DEFAULT '',
		holder        TEXT NOT NULL DEFAULT '',
		lease_expires TEXT,
		started_by    TEXT NOT NULL DEFAULT '',
		queued        TEXT,
		artifacts     TEXT NOT NULL DEFAULT '',
		protocol      TEXT,
		PRIMARY KEY (migration, number))`,
	`INSERT INTO runs_v2 (migration, number, kind, env, extraction, status, started, finished, pid, host, artifacts, protocol)
		SELECT $MIGRATION, number, kind, env, extraction, status, started, finished, pid, host, artifacts, protocol FROM runs`,
	`DROP TABLE runs`,
	`ALTER TABLE runs_v2 RENAME TO runs`,
	`CREATE INDEX runs_env ON runs (migration, env, number)`,
	`CREATE INDEX runs_status ON runs (status)`,
	`CREATE TABLE audit_v2 (
		migration TEXT NOT NULL DEFAULT '',
		seq       INTEGER NOT NULL,
		at        TEXT NOT NULL,
		actor     TEXT NOT NULL,
		action    TEXT NOT NULL,
		detail    TEXT NOT NULL,
		run       INTEGER NOT NULL DEFAULT 0,
		data      TEXT NOT NULL DEFAULT '',
		alg       TEXT NOT NULL DEFAULT 'v1',
		prev_hash TEXT NOT NULL,
		hash      TEXT NOT NULL,
		PRIMARY KEY (migration, seq))`,
	`INSERT INTO audit_v2 (migration, seq, at, actor, action, detail, prev_hash, hash)
		SELECT $MIGRATION, seq, at, actor, action, detail, prev_hash, hash FROM audit`,
	`DROP TABLE audit`,
	`ALTER TABLE audit_v2 RENAME TO audit`,
	`CREATE TABLE facts_v2 (
		migration TEXT NOT NULL DEFAULT '',
		key       TEXT NOT NULL,
		value     TEXT NOT NULL,
		at        TEXT NOT NULL,
		PRIMARY KEY (migration, key))`,
	`INSERT INTO facts_v2 (migration, key, value, at) SELECT $MIGRATION, key, value, at FROM facts`,
	`DROP TABLE facts`,
	`ALTER TABLE facts_v2 RENAME TO facts`,
	`CREATE TABLE outbox (
		id            TEXT PRIMARY KEY,
		migration     TEXT NOT NULL,
		event_id      TEXT NOT NULL,
		hook          TEXT NOT NULL,
		type          TEXT NOT NULL,
		body          TEXT NOT NULL,
		created       TEXT NOT NULL,
		attempts      INTEGER NOT NULL DEFAULT 0,
		next_at       TEXT NOT NULL,
		claimed_until TEXT,
		delivered     TEXT,
		last_error    TEXT NOT NULL DEFAULT '')`,
	`CREATE INDEX outbox_due ON outbox (migration, delivered, next_at)`,
}

var postgresV1 = []string{
	`CREATE TABLE runs (
		number     INTEGER PRIMARY KEY,
		kind       TEXT NOT NULL,
		env        TEXT NOT NULL DEFAULT '',
		extraction INTEGER NOT NULL DEFAULT 0,
		status     TEXT NOT NULL,
		started    TIMESTAMPTZ NOT NULL,
		finished   TIMESTAMPTZ,
		pid        INTEGER NOT NULL DEFAULT 0,
		host       TEXT NOT NULL DEFAULT '',
		artifacts  TEXT NOT NULL DEFAULT '',
		protocol   TEXT)`,
	`CREATE INDEX runs_env ON runs (env, number)`,
	`CREATE INDEX runs_status ON runs (status)`,
	`CREATE TABLE approvals (
		id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		run     INTEGER NOT NULL REFERENCES runs (number),
		role    TEXT NOT NULL,
		by_name TEXT NOT NULL,
		note    TEXT NOT NULL DEFAULT '',
		at      TIMESTAMPTZ NOT NULL,
		refused BOOLEAN NOT NULL DEFAULT false)`,
	`CREATE INDEX approvals_run ON approvals (run)`,
	`CREATE TABLE audit (
		seq       BIGINT PRIMARY KEY,
		at        TIMESTAMPTZ NOT NULL,
		actor     TEXT NOT NULL,
		action    TEXT NOT NULL,
		detail    TEXT NOT NULL,
		prev_hash TEXT NOT NULL,
		hash      TEXT NOT NULL)`,
	`CREATE TABLE facts (
		key   TEXT PRIMARY KEY,
		value TEXT NOT NULL,
		at    TIMESTAMPTZ NOT NULL)`,
}

// postgresV2: what sqliteV2 does, in place.
var postgresV2 = []string{
	`ALTER TABLE approvals DROP CONSTRAINT IF EXISTS approvals_run_fkey`,
	`ALTER TABLE approvals ADD COLUMN migration TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE approvals ADD COLUMN authenticated BOOLEAN NOT NULL DEFAULT false`,
	`ALTER TABLE approvals ADD COLUMN audit_seq BIGINT NOT NULL DEFAULT 0`,
	`UPDATE approvals SET migration = $MIGRATION`,
	`DROP INDEX approvals_run`,
	`CREATE INDEX approvals_run ON approvals (migration, run)`,
	`ALTER TABLE runs ADD COLUMN migration TEXT NOT NULL DEFAULT ''`,
	`UPDATE runs SET migration = $MIGRATION`,
	`ALTER TABLE runs DROP CONSTRAINT runs_pkey`,
	`ALTER TABLE runs ADD PRIMARY KEY (migration, number)`,
	`ALTER TABLE runs ADD COLUMN holder TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE runs ADD COLUMN lease_expires TIMESTAMPTZ`,
	`ALTER TABLE runs ADD COLUMN started_by TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE runs ADD COLUMN queued TIMESTAMPTZ`,
	`DROP INDEX runs_env`,
	`CREATE INDEX runs_env ON runs (migration, env, number)`,
	`ALTER TABLE audit ADD COLUMN migration TEXT NOT NULL DEFAULT ''`,
	`UPDATE audit SET migration = $MIGRATION`,
	`ALTER TABLE audit DROP CONSTRAINT audit_pkey`,
	`ALTER TABLE audit ADD PRIMARY KEY (migration, seq)`,
	`ALTER TABLE audit ADD COLUMN run INTEGER NOT NULL DEFAULT 0`,
	`ALTER TABLE audit ADD COLUMN data TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE audit ADD COLUMN alg TEXT NOT NULL DEFAULT 'v1'`,
	`ALTER TABLE facts ADD COLUMN migration TEXT NOT NULL DEFAULT ''`,
	`UPDATE facts SET migration = $MIGRATION`,
	`ALTER TABLE facts DROP CONSTRAINT facts_pkey`,
	`ALTER TABLE facts ADD PRIMARY KEY (migration, key)`,
	`CREATE TABLE outbox (
		id            TEXT PRIMARY KEY,
		migration     TEXT NOT NULL,
		event_id      TEXT NOT NULL,
		hook          TEXT NOT NULL,
		type          TEXT NOT NULL,
		body          TEXT NOT NULL,
		created       TIMESTAMPTZ NOT NULL,
		attempts      INTEGER NOT NULL DEFAULT 0,
		next_at       TIMESTAMPTZ NOT NULL,
		claimed_until TIMESTAMPTZ,
		delivered     TIMESTAMPTZ,
		last_error    TEXT NOT NULL DEFAULT '')`,
	`CREATE INDEX outbox_due ON outbox (migration, delivered, next_at)`,
}
