package targets

import (
	"strings"
	"testing"
	"time"

	"github.com/handover/handover/internal/load/loadtest"
	"github.com/handover/handover/internal/testenv"
)

// BenchmarkLoadMySQL loads N generated contacts into a fresh MySQL /
// MariaDB database, next to the mariadb client's LOAD DATA LOCAL INFILE
// of the same rows as a clean CSV (the target: within 2×).
//
//	HANDOVER_BENCH_ROWS=1000000 HANDOVER_TEST_MYSQL='root@tcp(127.0.0.1:3306)/test' \
//	  go test ./internal/load/targets -run '^$' -bench LoadMySQL -benchtime 3x
func BenchmarkLoadMySQL(b *testing.B) {
	testenv.MySQL(b)
	n := benchRows(b)
	f := benchFormat()
	b.Run("handover", func(b *testing.B) {
		var cpu time.Duration
		for range b.N {
			b.StopTimer()
			dsn := benchDatabase(b, loadtest.FreshMySQL(b), f)
			b.StartTimer()
			start := selfCPU()
			benchImport(b, dsn, f, genContacts(n))
			cpu += selfCPU() - start
		}
		reportRows(b, n)
		reportCPU(b, cpu)
	})
	b.Run("mariadb_load_data", func(b *testing.B) {
		file := benchCSV(b, n, true)
		cols := "id, " + strings.Join(columnNames(f.Entities[1]), ", ")
		var cpu time.Duration
		for range b.N {
			b.StopTimer()
			dsn := benchDatabase(b, loadtest.FreshMySQL(b), f)
			db := dsn[strings.LastIndexByte(dsn, '/')+1:]
			b.StartTimer()
			cpu += run(b, "mariadb", "--local-infile=1", "--protocol=tcp", "-h", "127.0.0.1", "-uroot", db, "-e",
				"LOAD DATA LOCAL INFILE '"+file+"' INTO TABLE contacts CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' "+
					"OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\\n' ("+cols+")")
		}
		reportRows(b, n)
		reportCPU(b, cpu)
	})
}
