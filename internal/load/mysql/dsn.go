package mysql

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	driver "github.com/go-sql-driver/mysql"

	"github.com/handover/handover/internal/load"
)

// IsDSN reports whether dsn names a MySQL or MariaDB database:
// mysql://… or mariadb://….
func IsDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "mysql://") || strings.HasPrefix(dsn, "mariadb://")
}

// config turns mysql://user:password@host:port/database?param=value into
// the driver's configuration. Query parameters are the driver's (tls,
// timeout, …). Errors never contain the password.
func config(dsn string) (*driver.Config, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "mysql" && u.Scheme != "mariadb") {
		return nil, fmt.Errorf("open database %s: want mysql://user:password@host:port/database", load.Redact(dsn))
	}
	db := strings.TrimPrefix(u.Path, "/")
	if db == "" || strings.Contains(db, "/") {
		return nil, fmt.Errorf("open database %s: the URL names no database (mysql://user:password@host:port/database)", load.Redact(dsn))
	}
	host := u.Host
	if host == "" {
		host = "127.0.0.1"
	}
	if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(strings.Trim(host, "[]"), "3306")
	}
	cfg, err := driver.ParseDSN("tcp(" + host + ")/?" + u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %v", load.Redact(dsn), err)
	}
	cfg.DBName = db
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.InterpolateParams = true // one round trip per statement, no prepared statements
	cfg.ParseTime = false
	cfg.MultiStatements = false
	cfg.AllowAllFiles = false // LOAD DATA LOCAL reads only the streams this package registers
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	// Strict: a value the column cannot hold is an error, never a warning
	// and a changed value. Times are UTC.
	cfg.Params["sql_mode"] = "'TRADITIONAL'"
	cfg.Params["time_zone"] = "'+00:00'"
	return cfg, nil
}
