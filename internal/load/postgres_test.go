package load

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/handover/handover/internal/testenv"
)

func TestPostgresConformance(t *testing.T) {
	testenv.Postgres(t)
	runConformance(t, pgHarness())
}

// TestPostgresKeyValueDSN opens the environment with a libpq key=value
// connection string.
func TestPostgresKeyValueDSN(t *testing.T) {
	u, err := url.Parse(testenv.FreshPostgres(t))
	if err != nil {
		t.Fatal(err)
	}
	dsn := fmt.Sprintf("host=%s port=%s user=%s dbname=%s sslmode=disable", u.Hostname(), u.Port(), u.User.Username(), u.Path[1:])
	s, c := importAll(t, dsn, structureRows(), contactRows())
	wantCounts(t, "structures", s, Counts{Inserted: 3})
	wantCounts(t, "contacts", c, Counts{Inserted: 4})
}

func TestPostgresFixup(t *testing.T) {
	testenv.Postgres(t)
	runFixupConformance(t, pgHarness())
}

func TestPostgresDelta(t *testing.T) {
	testenv.Postgres(t)
	runDelta(t, pgHarness())
}
