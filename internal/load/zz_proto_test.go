package load

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func protoDB(t *testing.T) *sql.DB {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "p.db")+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	cols := []string{"id INTEGER PRIMARY KEY", "external_id TEXT NOT NULL UNIQUE"}
	for i := 1; i < 20; i++ {
		cols = append(cols, "c"+itoa(i)+" TEXT")
	}
	if _, err := db.Exec("CREATE TABLE t (" + strings.Join(cols, ", ") + ")"); err != nil {
		t.Fatal(err)
	}
	return db
}

func itoa(i int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + string(rune('0'+i/10)) + string(rune('0'+i%10))) }

func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, `\u00`...)
			b = append(b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

func TestZZProto(t *testing.T) {
	const n = 100000
	ctx := context.Background()
	for _, B := range []int{1, 16, 64, 256} {
		mode := "binds"
		db := protoDB(t)
		g := genContacts(n)
		start := selfCPUt()
		w0 := time.Now()
		tx, _ := db.BeginTx(ctx, nil)
		var stmt *sql.Stmt
		var err error
		if mode == "binds" {
			stmt, err = tx.Prepare("INSERT INTO t VALUES " + placeholders(B, 21))
		} else {
			sel := []string{"key + 1 + ?"}
			for i := 0; i < 20; i++ {
				sel = append(sel, "value->>"+itoa(i))
			}
			stmt, err = tx.Prepare("INSERT INTO t SELECT " + strings.Join(sel, ", ") + " FROM json_each(?)")
		}
		if err != nil {
			t.Fatal(err)
		}
		id := int64(1)
		var args []any
		var buf []byte
		rows := 0
		for {
			batch, err := g.Next(ctx)
			if err != nil {
				break
			}
			for _, r := range batch {
				if mode == "binds" {
					args = append(args, id)
					for _, v := range r.Values {
						if v == "" {
							args = append(args, nil)
						} else {
							args = append(args, v)
						}
					}
				} else {
					if rows == 0 {
						buf = append(buf[:0], '[')
					} else {
						buf = append(buf, ',')
					}
					buf = append(buf, '[')
					for j, v := range r.Values {
						if j > 0 {
							buf = append(buf, ',')
						}
						if v == "" {
							buf = append(buf, "null"...)
						} else {
							buf = appendJSONString(buf, v)
						}
					}
					buf = append(buf, ']')
				}
				rows++
				id++
				if rows == B {
					if mode == "binds" {
						_, err = stmt.Exec(args...)
					} else {
						buf = append(buf, ']')
						_, err = stmt.Exec(id-int64(B)-1, string(buf))
					}
					if err != nil {
						t.Fatal(err)
					}
					rows, args = 0, args[:0]
				}
			}
		}
		tx.Commit()
		var cnt, mx int
		db.QueryRow("SELECT count(*), max(id) FROM t").Scan(&cnt, &mx)
		db.Close()
		t.Logf("%d %s: cpu %v wall %v rows %d max %d", B, mode, selfCPUt()-start, time.Since(w0), cnt, mx)
	}
}

func selfCPUt() time.Duration { return selfCPU() }
