package postgres

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/loadtest"
	"github.com/handover/handover/internal/testenv"
)

func TestPostgresConformance(t *testing.T) {
	testenv.Postgres(t)
	loadtest.Run(t, loadtest.Postgres(Open))
}

// TestPostgresKeyValueDSN opens the environment with a libpq key=value
// connection string.
func TestPostgresKeyValueDSN(t *testing.T) {
	u, err := url.Parse(testenv.FreshPostgres(t))
	if err != nil {
		t.Fatal(err)
	}
	dsn := fmt.Sprintf("host=%s port=%s user=%s dbname=%s sslmode=disable", u.Hostname(), u.Port(), u.User.Username(), u.Path[1:])
	s, c := loadtest.ImportAll(t, loadtest.Postgres(Open), dsn, loadtest.StructureRows(), loadtest.ContactRows())
	loadtest.WantCounts(t, "structures", s, load.Counts{Inserted: 3})
	loadtest.WantCounts(t, "contacts", c, load.Counts{Inserted: 4})
}

func TestPostgresFixup(t *testing.T) {
	testenv.Postgres(t)
	loadtest.RunFixups(t, loadtest.Postgres(Open))
}

// TestPostgresFixupHeldAcrossChunks runs the random-links comparison with
// chunks of 97 rows: rows linking to a row of a later chunk are held back
// and written after the last one (with 3,000 rows in one chunk of 32,768,
// no row is ever held, so RunFixups alone does not reach that path).
func TestPostgresFixupHeldAcrossChunks(t *testing.T) {
	testenv.Postgres(t)
	defer func(n int) { directChunk = n }(directChunk)
	directChunk = 97
	loadtest.RunFixupsRandom(t, loadtest.Postgres(Open))
}

func TestPostgresDelta(t *testing.T) {
	testenv.Postgres(t)
	loadtest.RunDelta(t, loadtest.Postgres(Open))
}

// TestPostgresLarge loads past a COPY chunk with a memory budget of
// 256 KiB: the structures' key → id index spills to disk (32 KiB share).
func TestPostgresLarge(t *testing.T) {
	testenv.Postgres(t)
	loadtest.RunLarge(t, loadtest.Postgres(Open), load.Options{Env: "dev", Memory: 256 << 10})
}
