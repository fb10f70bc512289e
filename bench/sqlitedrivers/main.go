// Command sqlitedrivers compares the two pure-Go SQLite drivers on
// handover's SQLite write path: modernc.org/sqlite (SQLite translated to
// Go, what handover uses) and github.com/ncruces/go-sqlite3 (SQLite
// compiled to WebAssembly, run by wazero). Each run writes the clean
// contacts of a bench/gen delivery into a fresh database in one
// transaction, as handover's SQLite loader does: 64-row multi-row INSERTs
// into the table and into a WITHOUT ROWID bookkeeping table (key,
// fingerprint, id). The drivers alternate; wall and CPU time per run.
//
//	cd bench/sqlitedrivers && go run . -csv ../out/data-1000000/x1/clean/contacts.csv -runs 3
//
// With -direct, each driver without database/sql, as handover's loader
// writes since docs/BENCHMARKS.md section 3's C API change: 256-row
// INSERTs, modernc.org/sqlite's statements bound and stepped through its
// C API (modernc.org/sqlite/lib, the texts copied into one C buffer; see
// internal/load/sqlite/cstmt.go), ncruces's through its own Conn and Stmt
// (each text copied into WebAssembly memory).
//
// A module of its own, so that the driver it compares does not become a
// dependency of handover.
package main

import (
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/ncruces/go-sqlite3/driver"
	_ "modernc.org/sqlite"
)

// rowsPerInsert is the rows of one INSERT through database/sql (section
// 14); -direct writes directRows.
var rowsPerInsert = 64

const directRows = 256

// headerCols is the CSV's header: the table's columns.
var headerCols []string

func main() {
	path := flag.String("csv", "", "clean contacts.csv of a bench/gen delivery")
	runs := flag.Int("runs", 3, "runs per driver")
	dir := flag.String("dir", os.TempDir(), "where the databases are written")
	direct := flag.Bool("direct", false, "each driver's own API instead of database/sql, 256-row INSERTs")
	flag.Parse()
	drivers, runner := []string{"sqlite", "sqlite3"}, run
	if *direct {
		drivers, runner, rowsPerInsert = []string{"modernc-capi", "ncruces-api"}, runDirect, directRows
	}
	header, rows, err := readCSV(*path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	headerCols = header
	fmt.Printf("%d rows of %d columns, %d runs per driver\n", len(rows), len(header), *runs)
	for i := range *runs {
		for _, drv := range drivers {
			file := filepath.Join(*dir, fmt.Sprintf("sqlitedrivers-%s-%d.db", drv, i))
			wall, cpu, err := runner(drv, file, header, rows)
			os.Remove(file)
			os.Remove(file + "-journal")
			if err != nil {
				fmt.Fprintln(os.Stderr, drv, err)
				os.Exit(1)
			}
			fmt.Printf("run %d %-28s wall %6.2f s  cpu %6.2f s  load %s\n", i+1, name(drv), wall.Seconds(), cpu.Seconds(), load())
		}
	}
}

func name(drv string) string {
	switch drv {
	case "sqlite":
		return "modernc.org/sqlite"
	case "modernc-capi":
		return "modernc.org/sqlite, C API"
	case "ncruces-api":
		return "ncruces/go-sqlite3, Conn API"
	}
	return "github.com/ncruces/go-sqlite3"
}

func load() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.Join(strings.Fields(string(b))[:1], "")
}

func readCSV(path string) ([]string, [][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, nil, err
	}
	var rows [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return header, rows, nil
		}
		if err != nil {
			return nil, nil, err
		}
		rows = append(rows, rec)
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func run(drv, file string, header []string, rows [][]string) (time.Duration, time.Duration, error) {
	db, err := sql.Open(drv, "file:"+file)
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range schema(header) {
		if _, err := db.Exec(q); err != nil {
			return 0, 0, fmt.Errorf("%s: %w", q, err)
		}
	}
	start, cpu0 := time.Now(), cpuTime()
	tx, err := db.Begin()
	if err != nil {
		return 0, 0, err
	}
	ins, err := tx.Prepare(insertSQL())
	if err != nil {
		return 0, 0, err
	}
	book, err := tx.Prepare(bookSQL())
	if err != nil {
		return 0, 0, err
	}
	args := make([]any, 0, rowsPerInsert*len(header))
	bargs := make([]any, 0, rowsPerInsert*3)
	for i := 0; i+rowsPerInsert <= len(rows); i += rowsPerInsert {
		args, bargs = args[:0], bargs[:0]
		for _, rec := range rows[i : i+rowsPerInsert] {
			id, _ := strconv.ParseInt(rec[0], 10, 64)
			args = append(args, id)
			for _, v := range rec[1:] {
				if v == "" {
					args = append(args, nil)
				} else {
					args = append(args, v)
				}
			}
			fp := sha256.Sum256([]byte(strings.Join(rec, "\x00")))
			bargs = append(bargs, rec[1], fp[:16], id)
		}
		if _, err := ins.Exec(args...); err != nil {
			return 0, 0, err
		}
		if _, err := book.Exec(bargs...); err != nil {
			return 0, 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, err
	}
	return time.Since(start), cpuTime() - cpu0, nil
}

// schema is the pragma and tables of a fresh database.
func schema(header []string) []string {
	cols := make([]string, len(header))
	for i, h := range header {
		cols[i] = `"` + h + `" TEXT`
	}
	cols[0] = `"id" INTEGER PRIMARY KEY`
	cols[1] = `"external_id" TEXT NOT NULL UNIQUE`
	return []string{
		"PRAGMA journal_mode=DELETE",
		"CREATE TABLE contacts (" + strings.Join(cols, ", ") + ")",
		"CREATE TABLE handover_rows (entity TEXT NOT NULL, key TEXT NOT NULL, fingerprint BLOB NOT NULL, target_id INTEGER NOT NULL, PRIMARY KEY (entity, key)) WITHOUT ROWID",
	}
}

func insertSQL() string {
	return "INSERT INTO contacts VALUES " + placeholders(rowsPerInsert, len(headerCols))
}

func bookSQL() string {
	return "INSERT INTO handover_rows (entity, key, fingerprint, target_id) SELECT 'contacts', column1, column2, column3 FROM (VALUES " + placeholders(rowsPerInsert, 3) + ")"
}

func placeholders(rows, cols int) string {
	one := "(" + strings.Repeat("?, ", cols-1) + "?)"
	return strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
}
