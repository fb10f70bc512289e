package postgres

import (
	"regexp"
	"strings"
)

// IsDSN reports whether dsn is a PostgreSQL URL or a libpq
// key=value connection string.
func IsDSN(dsn string) bool {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return true
	}
	return !strings.Contains(dsn, "://") && kvPair.MatchString(dsn)
}

var kvPair = regexp.MustCompile(`^\s*[A-Za-z_]+\s*=`)
