package bench

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestQuickHarness runs `bench/run.sh --quick` (every scenario at 10k
// rows, one run) and checks the report it writes: every scenario that
// needs only PostgreSQL and SQLite has figures, no run failed. Peers that
// are not installed (DuckDB, pgloader, rclone, versitygw) are skipped by
// run.sh itself with a note in the report.
func TestQuickHarness(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole benchmark harness at 10k rows")
	}
	env := pgEnv(t)
	for _, tool := range []string{"bash", "psql", "createdb", "dropdb", "sqlite3"} {
		if _, err := exec.LookPath(tool); err != nil {
			skipOrFail(t, tool+" is not installed")
		}
	}
	work := t.TempDir()
	cmd := exec.Command("bash", "run.sh", "--quick", "--work", work)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bench/run.sh --quick: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(work, "BENCHMARKS.quick.md"))
	if err != nil {
		t.Fatal(err)
	}
	report := string(data)
	rows := []string{"| 1. check |", "| 2. import → PostgreSQL |", "| 3. import → SQLite |",
		"| 4. delta import → PostgreSQL |", "| → PostgreSQL |", "| → SQLite |"}
	if os.Getenv("HANDOVER_TEST_MYSQL") != "" { // the local server run.sh uses (MYHOST, 127.0.0.1:3306)
		rows = append(rows, "| 8. import → MySQL/MariaDB |", "| → MySQL/MariaDB |")
	}
	for _, row := range rows {
		if cells := tableRow(report, row); len(cells) < 3 || cells[1] == "–" || cells[2] == "–" {
			t.Errorf("the report has no figures for %q:\n%s", row, report)
		}
	}
	if strings.Contains(report, "failed**") {
		t.Errorf("a run failed:\n%s", report)
	}
}

// tableRow returns the cells of the first table row that starts with
// prefix, nil when there is none.
func tableRow(report, prefix string) []string {
	for _, line := range strings.Split(report, "\n") {
		if strings.HasPrefix(line, prefix) {
			cells := strings.Split(strings.Trim(line, "|"), "|")
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			return cells
		}
	}
	return nil
}

// pgEnv points run.sh at HANDOVER_TEST_POSTGRES when it is set.
func pgEnv(t *testing.T) []string {
	dsn := os.Getenv("HANDOVER_TEST_POSTGRES")
	if dsn == "" {
		if _, err := exec.LookPath("pg_isready"); err != nil ||
			exec.Command("pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432").Run() != nil {
			skipOrFail(t, "no PostgreSQL on 127.0.0.1:5432 and HANDOVER_TEST_POSTGRES is not set")
		}
		return nil
	}
	u, err := url.Parse(dsn)
	if err != nil || u.Hostname() == "" {
		t.Fatalf("HANDOVER_TEST_POSTGRES is not a postgres:// URL")
	}
	env := []string{"PGHOST=" + u.Hostname(), "PGPORT=" + orDefault(u.Port(), "5432")}
	if u.User != nil {
		env = append(env, "PGUSER="+u.User.Username())
		if p, ok := u.User.Password(); ok {
			env = append(env, "PGPASSWORD="+p)
		}
	}
	return env
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("HANDOVER_TEST_DISALLOW_SKIP") == "1" {
		t.Fatal(why)
	}
	t.Skip(why)
}
