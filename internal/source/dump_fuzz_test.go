package source

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzDump reads arbitrary text as a PostgreSQL and as a MySQL dump, for
// table t and as a listing. It never panics, errors name the file, and
// rows come in increasing line order.
func FuzzDump(f *testing.F) {
	for _, seed := range []string{
		"-- PostgreSQL database dump\nCREATE TABLE t (a int, \"b\" text);\nCOPY t (a, b) FROM stdin;\n1\tx\\ty\n\\N\t\\x41\\101\n\\.\n",
		"-- MySQL dump\nCREATE TABLE `t` (`a` int, PRIMARY KEY (`a`));\nINSERT INTO `t` VALUES (1,'a\\'b'),(2,_binary 'x'),(3,0x41);\n",
		"INSERT INTO t (b, a) VALUES (E'x\\n', 1), ('y''z', -2.5e3)::text;\n",
		"CREATE FUNCTION f() AS $$ ; $$; COPY t FROM stdin;\n1\n",
		"INSERT INTO t VALUES (1, 'open",
		"/* c */ -- x\n# y\nCOPY t (a) FROM stdin;\n\\",
	} {
		f.Add(seed)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, text string) {
		for _, head := range []string{"-- PostgreSQL database dump\n", "-- MySQL dump\n"} {
			path := filepath.Join(dir, "d.sql")
			if err := os.WriteFile(path, []byte(head+text), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if _, _, _, err := PeekDump(ctx, path, Options{}); err != nil && !strings.Contains(err.Error(), path) {
				t.Fatalf("peek error without the file: %v", err)
			}
			r, err := Open(ctx, path, Options{Table: "t"})
			if err != nil {
				if !strings.Contains(err.Error(), path) {
					t.Fatalf("error without the file: %v", err)
				}
				continue
			}
			prev := 0
			for {
				row, err := r.Next(ctx)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					if !strings.Contains(err.Error(), path) {
						t.Fatalf("error without the file: %v", err)
					}
					break
				}
				if row.Line < prev {
					t.Fatalf("line %d after %d", row.Line, prev)
				}
				prev = row.Line
			}
			r.Close()
		}
	})
}
