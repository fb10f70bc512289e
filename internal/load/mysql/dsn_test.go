package mysql

import (
	"strings"
	"testing"
)

func TestConfig(t *testing.T) {
	cases := []struct {
		dsn, user, pass, addr, db string
	}{
		{"mysql://root@127.0.0.1:3306/test", "root", "", "127.0.0.1:3306", "test"},
		{"mariadb://u:p%40ss@db.example.com/crm", "u", "p@ss", "db.example.com:3306", "crm"},
		{"mysql://u:pw@[::1]:3307/x?timeout=5s", "u", "pw", "[::1]:3307", "x"},
	}
	for _, c := range cases {
		cfg, err := config(c.dsn)
		if err != nil {
			t.Errorf("%s: %v", c.dsn, err)
			continue
		}
		if cfg.User != c.user || cfg.Passwd != c.pass || cfg.Addr != c.addr || cfg.DBName != c.db || !cfg.InterpolateParams {
			t.Errorf("%s: %+v", c.dsn, cfg)
		}
	}
	for _, bad := range []string{"mysql://u:secret-pw@h:3306", "mysql://u:secret-pw@h/a/b", "mysql://u:secret-pw@h/db?timeout=soon"} {
		_, err := config(bad)
		if err == nil {
			t.Errorf("%s: no error", bad)
			continue
		}
		if strings.Contains(err.Error(), "secret-pw") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}
