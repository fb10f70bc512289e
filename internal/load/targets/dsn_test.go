package targets

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/handover/handover/internal/load"
)

// TestOpenErrorsHideThePassword opens databases that cannot be reached or
// read; no error may contain the password.
func TestOpenErrorsHideThePassword(t *testing.T) {
	const pw = "topsecret-42"
	cases := []struct{ dsn, want string }{
		{"postgres://u:" + pw + "@127.0.0.1:1/db?connect_timeout=5", "open database postgres://u:***@127.0.0.1:1/db"},
		{"postgres://u:" + pw + "@host:notaport/db", "open database "},
		{"postgres://h/db?password=" + pw + "&port=1&connect_timeout=5", "open database postgres://h/db?password=***"},
		{"host=127.0.0.1 port=1 user=u password=" + pw + " dbname=x connect_timeout=5", "open database host=127.0.0.1 port=1 user=u password=***"},
		{"mysql://u:" + pw + "@127.0.0.1:1/db?timeout=5s", "open database mysql://u:***@127.0.0.1:1/db"},
		{"mariadb://u:" + pw + "@127.0.0.1:1/db", "open database mariadb://u:***@127.0.0.1:1/db"},
		{"mysql://u:" + pw + "@h", "names no database"},
		{"oracle://u:" + pw + "@h/db", "unsupported kind of database (want sqlite://PATH or postgres://… or mysql://"},
		{"sqlite://", "the path is empty"},
	}
	for _, c := range cases {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		target, err := Open(ctx, c.dsn, load.Options{Env: "dev"})
		cancel()
		if err == nil {
			target.Close()
			t.Errorf("Open(%s) succeeded", load.Redact(c.dsn))
			continue
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("error contains the password: %v", err)
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %q does not contain %q", err, c.want)
		}
	}
}
