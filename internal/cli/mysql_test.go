package cli

import (
	"strconv"
	"testing"

	"github.com/handover/handover/internal/load/loadtest"
)

// TestDiffThenDeltaImportMySQL runs import, diff and a delta import
// through the command line into a MySQL / MariaDB environment.
func TestDiffThenDeltaImportMySQL(t *testing.T) {
	url := loadtest.FreshMySQL(t)
	dir, d1, d2 := deltaProject(t, url)
	db := loadtest.OpenMySQLInspector(t, url)
	testDiffThenDeltaImport(t, dir, d1, d2, func(q string) [][]string { return db.Rows(t, q) })
}

// useMySQLDev points the project's dev environment at a fresh MySQL /
// MariaDB database (through ${DEV_DATABASE_URL}) and returns the contacts
// counter of the kill tests.
func useMySQLDev(t *testing.T, dir string) (map[string]string, func() int) {
	url := loadtest.FreshMySQL(t)
	usePostgresDev(t, dir)            // the same ${DEV_DATABASE_URL} line
	t.Setenv("DEV_DATABASE_URL", url) // for the in-process runs
	db := loadtest.OpenMySQLInspector(t, url)
	count := func() int {
		rows := db.Rows(t, "SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'contacts'")
		if rows[0][0] == "0" {
			return 0
		}
		n, _ := strconv.Atoi(db.Rows(t, "SELECT count(*) FROM contacts")[0][0])
		return n
	}
	return map[string]string{"DEV_DATABASE_URL": url}, count
}

func TestKillMidImportMySQL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a long import")
	}
	dir := bigProject(t, 300_000)
	env, count := useMySQLDev(t, dir)
	testKillMidImport(t, dir, env, count)
}

func TestKillAfterCommitMySQL(t *testing.T) {
	dir := bigProject(t, 200)
	env, count := useMySQLDev(t, dir)
	testKillAfterCommit(t, dir, env, count)
}
