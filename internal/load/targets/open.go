// Package targets knows every kind of environment database: Open picks
// the backend by the DSN's scheme.
package targets

import (
	"context"

	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/mysql"
	"github.com/handover/handover/internal/load/postgres"
	"github.com/handover/handover/internal/load/sqlite"
)

// All returns every backend, in the order Open tries them.
func All() load.Backends {
	return load.Backends{sqlite.Backend(), postgres.Backend(), mysql.Backend()}
}

// Open connects to an environment's database: "sqlite://PATH" (the embedded
// default; an absolute path is written sqlite:///abs/path.db, a relative one
// is relative to the working directory, so callers resolve project-relative
// paths first; missing directories are created) or a PostgreSQL URL
// (postgres://…, postgresql://…) or libpq key=value DSN, or a MySQL /
// MariaDB URL (mysql://user:password@host:port/database, mariadb://…).
// Errors never contain the password.
func Open(ctx context.Context, dsn string, opts load.Options) (load.Target, error) {
	return All().Open(ctx, dsn, opts)
}
