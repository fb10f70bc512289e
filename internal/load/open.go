package load

import (
	"context"
	"fmt"
	"strings"
)

// Open connects to an environment's database: "sqlite://PATH" (the embedded
// default; an absolute path is written sqlite:///abs/path.db, a relative one
// is relative to the working directory, so callers resolve project-relative
// paths first; missing directories are created) or a PostgreSQL URL
// (postgres://…, postgresql://…) or libpq key=value DSN. Errors never
// contain the password.
func Open(ctx context.Context, dsn string, opts Options) (Target, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite://"):
		return openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite://"), opts)
	case isPostgresDSN(dsn):
		return openPostgres(ctx, dsn, opts)
	}
	return nil, fmt.Errorf("open database %s: unsupported kind of database (want sqlite://PATH or postgres://…)", Redact(dsn))
}
