package main

import (
	"fmt"
	"strings"
)

// comparison is one line of the results table: handover against a floor
// or a peer in the same scenario.
type comparison struct {
	title string
	ho    key
	peer  key
	name  string // what the peer does
}

var comparisons = []comparison{
	{"1. check", key{"check", "handover"}, key{"check", "duckdb"},
		"DuckDB: `read_csv` + the same transforms in SQL, counting"},
	{"2. import → PostgreSQL", key{"pg-import", "handover"}, key{"pg-import", "psql"},
		"`psql \\copy` of the clean file (floor)"},
	{"2. import → PostgreSQL", key{"pg-import", "handover"}, key{"pg-import", "pgloader"},
		"pgloader: the delivery, its own transforms (peer)"},
	{"3. import → SQLite", key{"sqlite-import", "handover"}, key{"sqlite-import", "sqlite3"},
		"`sqlite3 .import` of the clean file (floor)"},
	{"4. delta import → PostgreSQL", key{"delta", "handover-delta"}, key{"delta", "handover-full"},
		"handover's full import of extraction 1, same run"},
	{"4. delta import → SQLite", key{"delta-sqlite", "handover-delta"}, key{"delta-sqlite", "handover-full"},
		"handover's full import of extraction 1, same run"},
	{"6. files → S3", key{"files", "handover"}, key{"files", "rclone"},
		"`rclone copy` to the same server"},
	{"8. import → MySQL/MariaDB", key{"mysql-import", "handover"}, key{"mysql-import", "mariadb"},
		"`mariadb` LOAD DATA LOCAL INFILE of the clean file (floor)"},
	{"13. fix-ups → PostgreSQL", key{"fixup-postgres", "handover-fixup"}, key{"fixup-postgres", "handover"},
		"the same import without the fix-up rule, same process (`--fixup`)"},
	{"13. fix-ups → SQLite", key{"fixup-sqlite", "handover-fixup"}, key{"fixup-sqlite", "handover"},
		"the same import without the fix-up rule, same process (`--fixup`)"},
}

// target is one goal of the benchmark issues; before is issue 15's
// figure from before its work (its table), "" when it has none.
type target struct {
	what   string
	a, b   key     // the measure is a/b (wall time), or a's RSS when rss
	limit  float64 // a/b ≤ limit, or b/a ≥ limit when faster, or a's RSS ≤ limit MB
	faster bool
	rss    bool
	added  bool   // shown as what a adds to b: +24 %
	flag   string // the run.sh flag that measures it, when a default run does not
	before string
}

var targets = []target{
	{what: "check ≤ 2× DuckDB", a: key{"check", "handover"}, b: key{"check", "duckdb"}, limit: 2},
	{what: "check at least as fast as DuckDB, same transforms, per row (≤ 1×)", a: key{"check", "handover"}, b: key{"check", "duckdb"}, limit: 1,
		before: "1.38×"},
	{what: "PostgreSQL import ≤ 1.5× `psql \\copy` (goal 1.25×)", a: key{"pg-import", "handover"}, b: key{"pg-import", "psql"}, limit: 1.5,
		before: "2.51×"},
	{what: "PostgreSQL import ≥ 8× faster than pgloader", a: key{"pg-import", "handover"}, b: key{"pg-import", "pgloader"}, limit: 8, faster: true},
	{what: "SQLite import ≤ 2× `sqlite3 .import` (goal 1.5×)", a: key{"sqlite-import", "handover"}, b: key{"sqlite-import", "sqlite3"}, limit: 2,
		before: "3.26×"},
	{what: "MySQL/MariaDB import ≤ 2× `LOAD DATA`", a: key{"mysql-import", "handover"}, b: key{"mysql-import", "mariadb"}, limit: 2},
	{what: "1 % delta ≤ 0.25× the full import, PostgreSQL (goal 0.1×)", a: key{"delta", "handover-delta"}, b: key{"delta", "handover-full"}, limit: 0.25,
		before: "0.52×"},
	{what: "1 % delta ≤ 0.25× the full import, SQLite (goal 0.1×)", a: key{"delta-sqlite", "handover-delta"}, b: key{"delta-sqlite", "handover-full"}, limit: 0.25},
	{what: "fix-ups, 100 % of rows linked, add ≤ 30 % to the import, PostgreSQL", a: key{"fixup-postgres", "handover-fixup"}, b: key{"fixup-postgres", "handover"},
		limit: 1.3, added: true, flag: "--fixup", before: "+213 %"},
	{what: "fix-ups, 100 % of rows linked, add ≤ 30 % to the import, SQLite", a: key{"fixup-sqlite", "handover-fixup"}, b: key{"fixup-sqlite", "handover"},
		limit: 1.3, added: true, flag: "--fixup"},
	{what: "peak RSS ≤ 256 MB, 1M contacts import → PostgreSQL", a: key{"pg-import", "handover"}, limit: 256, rss: true, before: "475 MB"},
	{what: "peak RSS ≤ 256 MB, 1M contacts import → SQLite", a: key{"sqlite-import", "handover"}, limit: 256, rss: true, before: "451 MB"},
	{what: "peak RSS ≤ 256 MB, 10M contacts import → PostgreSQL", a: key{"rss-10m", "handover"}, limit: 256, rss: true,
		flag: "--rss-10m", before: "2.57 GB"},
	{what: "peak RSS ≤ 512 MB (goal 256 MB), 10M contacts + 5M sales import → PostgreSQL", a: key{"scale-10m", "handover"}, limit: 512, rss: true,
		flag: "--scale-10m", before: "2.57 GB (10M contacts alone)"},
	{what: "peak RSS < 1 GB, 100M-row delivery import → PostgreSQL", a: key{"scale-100m", "handover"}, limit: 1024, rss: true,
		flag: "--scale-100m", before: "could not run"},
	{what: "peak RSS < 1 GB, 100M-row delivery check", a: key{"scale-100m-check", "handover"}, limit: 1024, rss: true, flag: "--scale-100m"},
}

func render(st map[key]stat, m meta, notes string) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Benchmarks\n\n")
	w("Written by `%s` on %s. Every figure is the median of %s run(s) of a whole process\n", m.get("command"), m.get("date"), m.get("runs"))
	w("(wall time, CPU time = user + sys, peak RSS of that process); every ratio compares\n")
	w("figures of the same `run.sh` invocation. Rows are contacts + structures read\n")
	w("(%s + %s); in the files scenario they are files.\n\n", m.num("rows"), m.num("structures"))
	w("Machine: %s, %s cores, %s memory. Load average (1 min) before the runs: %s; after: %s.\n",
		m.get("cpu"), m.get("cores"), m.get("memory"), m.get("load_before"), m.get("load_after"))
	w("Other builds and tests ran on the machine at the same time: the load column is the\n")
	w("median 1-minute load average at the start of handover's runs.\n\n")
	w("Versions: handover %s (%s), PostgreSQL %s (psql %s), SQLite %s (sqlite3 shell), DuckDB %s\n",
		m.get("handover"), m.get("go"), m.get("postgres"), m.get("psql"), m.get("sqlite"), m.get("duckdb"))
	w("(`@duckdb/node-api`, Node.js %s), pgloader %s, rclone %s.\n\n", m.get("node"), m.get("pgloader"), m.get("rclone"))
	renderTable(w, st, m)
	renderMemory(w, st)
	renderTargets(w, st)
	if notes != "" {
		w("\n%s", notes)
	}
	return b.String()
}

func renderTable(w func(string, ...any), st map[key]stat, m meta) {
	w("## Results\n\n")
	w("| scenario | handover: wall (CPU) | floor / peer | floor / peer: wall (CPU) | ratio | handover rows/s | peak RSS: handover / peer | load |\n")
	w("|---|---|---|---|---|---|---|---|\n")
	for _, c := range comparisons {
		ho, okH := st[c.ho]
		peer, okP := st[c.peer]
		if !okH {
			w("| %s | – | %s | %s | – | – | – | – |\n", c.title, c.name, missing(m, c.peer))
			continue
		}
		if !okP {
			// The peer is not installed: handover's own figures still count.
			w("| %s | %s (%s)%s | %s | %s | – | %s | %s / – | %.1f |\n", c.title, secs(ho.wall), secs(ho.cpu), failed(ho),
				c.name, missing(m, c.peer), perSecond(ho.rows, ho.wall), mb(ho.rssMB), ho.load)
			continue
		}
		hoName := ""
		if c.ho.tool != "handover" {
			hoName = strings.TrimPrefix(c.ho.tool, "handover-") + ": "
		}
		title := c.title
		if c.ho.scenario == "files" {
			title += fmt.Sprintf(" (%s files)", thousands(int64(ho.rows)))
		}
		w("| %s | %s%s (%s)%s | %s | %s (%s)%s%s | %.2f× | %s | %s / %s | %.1f |\n",
			title, hoName, secs(ho.wall), secs(ho.cpu), failed(ho), c.name, secs(peer.wall), secs(peer.cpu), failed(peer), runs(peer, ho),
			ratio(ho, peer), perSecond(ho.rows, ho.wall), mb(ho.rssMB), mb(peer.rssMB), ho.load)
	}
	w("\nratio = handover's wall time / the floor's or peer's: the median of the runs' ratios,\n")
	w("each pair run back to back. The CPU column is the process's own (user + sys): the\n")
	w("PostgreSQL server's CPU is in no column, and peak RSS is the client process's.\n\n")
}

// missing says why a peer has no figure.
func missing(m meta, k key) string {
	if why := m["skip_"+k.tool]; why != "" {
		return "not run: " + why
	}
	if why := m["skip_"+k.scenario]; why != "" {
		return "not run: " + why
	}
	return "not run"
}

// runs notes a peer measured fewer times than handover.
func runs(peer, ho stat) string {
	if peer.runs == ho.runs {
		return ""
	}
	return fmt.Sprintf(", %d run(s)", peer.runs)
}

func failed(s stat) string {
	if s.fail > 0 {
		return fmt.Sprintf(" **%d of %d runs failed**", s.fail, s.runs)
	}
	return ""
}

func renderMemory(w func(string, ...any), st map[key]stat) {
	w("## Memory: handover's peak RSS\n\n| import | rows | wall | peak RSS |\n|---|---|---|---|\n")
	for _, r := range []struct {
		name string
		k    key
	}{
		{"→ PostgreSQL", key{"pg-import", "handover"}},
		{"→ SQLite", key{"sqlite-import", "handover"}},
		{"→ MySQL/MariaDB", key{"mysql-import", "handover"}},
		{"→ PostgreSQL, 10M contacts", key{"rss-10m", "handover"}},
		{"→ PostgreSQL, 10M contacts + 5M sales", key{"scale-10m", "handover"}},
		{"→ PostgreSQL, 20M contacts + 80M sales", key{"scale-100m", "handover"}},
		{"check, 20M contacts + 80M sales", key{"scale-100m-check", "handover"}},
	} {
		s, ok := st[r.k]
		flag := map[string]string{"rss-10m": "--rss-10m", "scale-10m": "--scale-10m", "scale-100m": "--scale-100m", "scale-100m-check": "--scale-100m"}[r.k.scenario]
		switch {
		case !ok && flag != "":
			w("| %s | – | – | not measured (`bench/run.sh %s`) |\n", r.name, flag)
			continue
		case !ok:
			w("| %s | – | – | not measured |\n", r.name)
			continue
		}
		w("| %s | %s | %s | %s |\n", r.name, thousands(int64(s.rows)), secs(s.wall), mb(s.rssMB))
	}
	w("\n")
}

func renderTargets(w func(string, ...any), st map[key]stat) {
	w("## Targets\n\n| target | before (issue 15) | measured | |\n|---|---|---|---|\n")
	for _, t := range targets {
		before := t.before
		if before == "" {
			before = "–"
		}
		a, okA := st[t.a]
		bs, okB := st[t.b]
		switch {
		case (!okA || (!t.rss && !okB)) && t.flag != "":
			w("| %s | %s | not measured (`bench/run.sh %s`) | – |\n", t.what, before, t.flag)
		case !okA || (!t.rss && !okB):
			w("| %s | %s | not measured | – |\n", t.what, before)
		case t.rss:
			w("| %s | %s | %s | %s |\n", t.what, before, mb(a.rssMB), verdict(a.rssMB <= t.limit))
		case t.faster:
			v := 1 / ratio(a, bs)
			w("| %s | %s | %.1f× faster | %s |\n", t.what, before, v, verdict(v >= t.limit))
		case t.added:
			v := ratio(a, bs)
			w("| %s | %s | %+.0f %% (%.2f×) | %s |\n", t.what, before, 100*(v-1), v, verdict(v <= t.limit))
		default:
			v := ratio(a, bs)
			w("| %s | %s | %.2f× | %s |\n", t.what, before, v, verdict(v <= t.limit))
		}
	}
	w("\nbefore: issue 15's figures (1M contacts + 500k sales, one quiet run each; the 10M import from this\n")
	w("file's earlier run). Ratios are wall times, each the median of the runs' ratios.\n\n")
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}
