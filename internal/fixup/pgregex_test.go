package fixup

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/handover/handover/internal/testenv"
)

func TestPostgresPatternText(t *testing.T) {
	cases := []struct{ in, want string }{
		{`https://crm\.old-vendor\.example/contact\.aspx\?id=(\d+)`,
			`https\:\/\/crm\.old\-vendor\.example\/contact\.aspx\?id\=(?:(?:[0-9])+)`},
		{`^\\\\oldfs\\docs\\(.+)$`, `^\\\\oldfs\\docs\\(?:(?:.)+)$`},
		{`\bfoo\b`, `foo`},
		{`(?i)ab`, `[Aa][Bb]`},
		{`x{2,1000}`, `(?:x){2,}`},
		{`x{300}`, `(?:x){255,}`},
		{`a+?|b`, `(?:(?:a)+|b)`},
		{`ü`, `\u00FC`},
		{`[^a]`, "[\\u0001-\\`b-\\uD7FF\\uE000-\\U0010FFFF]"},
	}
	for _, c := range cases {
		got, ok := postgresPattern(c.in)
		if !ok || got != c.want {
			t.Errorf("postgresPattern(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
}

// samples are texts the patterns below are tried on.
var samples = []string{
	"", "a", "abc", "ABC", "x\ny", "foo bar", "foobar", "id=4711", "ID=4711", "id=",
	`<a href="https://crm.old-vendor.example/contact.aspx?id=4711">x</a>`,
	"https://crm.old-vendor.example/contact.aspx?id=", `\\oldfs\docs\a.pdf`, `x \\oldfs\docs\a.pdf`,
	"Grüße aus Zürich", "tab\there", "line1\nline2", "price: 12.50 CHF", "[x]-^", "xxxxxxxxxx",
	"emoji 😀 ok", "a|b", "café", "CAFÉ", "trailing\n",
}

var patterns = []string{
	`https://crm\.old-vendor\.example/contact\.aspx\?id=(\d+)`, `^\\\\oldfs\\docs\\(.+)$`,
	`(?i)id=(\d+)`, `\bfoo\b`, `^abc$`, `(?m)^line2$`, `(?s)x.y`, `x.y`, `[\]\-^]+`, `x{3,5}`, `x{300}`,
	`\d+\.\d{2}`, `[[:alpha:]]+ aus`, `\pL+`, `(?i)café`, `😀`, `a\|b`, `\s`, `[^a-z]`, `(a|)b`, `\Aa`, `c\z`,
	`trailing$`, `(?U)a+`, `\x{1F600}`,
}

// TestPostgresPatternWidens checks against a real server that every text
// the Go expression matches also passes the translated prefilter, and
// that the prefilter still filters.
func TestPostgresPatternWidens(t *testing.T) {
	dsn := testenv.Postgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, p := range patterns {
		re := regexp.MustCompile(p)
		are, ok := postgresPattern(p)
		if !ok {
			t.Errorf("%q: no translation", p)
			continue
		}
		narrower := false
		for _, s := range samples {
			var pg bool
			if err := conn.QueryRow(ctx, "SELECT $1::text ~ $2", s, are).Scan(&pg); err != nil {
				t.Fatalf("%q as %q: %v", p, are, err)
			}
			goMatch := re.MatchString(s)
			if goMatch && !pg {
				t.Errorf("%q (as %q) matches %q in Go but not in PostgreSQL", p, are, s)
			}
			narrower = narrower || !pg
		}
		if !narrower && p != `(?i)id=(\d+)` {
			t.Logf("%q (as %q) passes every sample", p, are)
		}
	}
}
