package project

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// base is a small valid project; tests override single files.
var base = map[string]string{
	"handover.yaml": `migration: test
customer: Test AG
cutover: 2026-12-15
environments:
  dev:
    database: sqlite://.handover/dev.db
    files: dir://.handover/dev-files
gate:
  max_reject_rate: 0.1
`,
	"format.yaml": `entities:
  - name: structures
    key: external_id
    fields:
      - {name: external_id, type: string, required: true}
      - {name: name, type: string, required: true}
  - name: contacts
    key: external_id
    fields:
      - {name: external_id, type: string, required: true}
      - {name: email, type: email}
      - {name: structure, type: ref, entity: structures}
`,
	"recipes/structures.yaml": `entity: structures
source: {file: firmen.csv}
fields:
  external_id: ID
  name: Name
`,
	"recipes/contacts.yaml": `entity: contacts
source: {file: kontakte.csv}
fields:
  external_id: ID
  email: lower(EMail)
  structure: Firma_ID
`,
	"lookups/kategorien.csv": "from,to\nVIP,VIP\n",
}

// writeProject writes base with overrides into a new directory; an empty
// override removes the file.
func writeProject(t *testing.T, overrides map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{}
	for k, v := range base {
		files[k] = v
	}
	for k, v := range overrides {
		files[k] = v
	}
	for name, content := range files {
		if content == "" {
			continue
		}
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestLoadBase(t *testing.T) {
	dir := writeProject(t, nil)
	p, err := Load(dir, env(nil))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if p.Migration != "test" || p.Customer != "Test AG" || p.Cutover != "2026-12-15" {
		t.Errorf("migration %q customer %q cutover %q", p.Migration, p.Customer, p.Cutover)
	}
	dev := p.Environments["dev"]
	if want := "sqlite://" + filepath.Join(dir, ".handover/dev.db"); dev.Database != want {
		t.Errorf("dev database %q, want %q", dev.Database, want)
	}
	if want := "dir://" + filepath.Join(dir, ".handover/dev-files"); dev.Files != want {
		t.Errorf("dev files %q, want %q", dev.Files, want)
	}
	if len(p.EnvOrder) != 1 || p.Gate.MaxRejectRate == nil || *p.Gate.MaxRejectRate != 0.1 || p.Gate.MaxCountChange != nil {
		t.Errorf("env order %v gate %+v", p.EnvOrder, p.Gate)
	}
	if r := p.Recipes["contacts"]; r == nil || r.Path != filepath.Join(dir, "recipes/contacts.yaml") || len(r.Fields) != 3 {
		t.Errorf("contacts recipe %+v", r)
	}
	if p.Format.Path != filepath.Join(dir, "format.yaml") || len(p.Format.Entities) != 2 {
		t.Errorf("format %+v", p.Format)
	}
	if p.Lookups["kategorien"]["VIP"] != "VIP" {
		t.Errorf("lookups %v", p.Lookups)
	}
}

func TestLoadProblems(t *testing.T) {
	tests := []struct {
		name      string
		overrides map[string]string
		vars      map[string]string
		want      []string // full problem lines, in order
	}{
		{"unknown key with suggestion", map[string]string{"handover.yaml": `migration: test
environments:
  dev:
    databse: sqlite://dev.db
`}, nil, []string{
			`handover.yaml:3: environments.dev: database missing (e.g. database: sqlite://.handover/dev.db)`,
			`handover.yaml:4: unknown key "databse" in environment "dev" (did you mean "database"?)`,
		}},
		{"bad cutover and missing migration", map[string]string{"handover.yaml": "customer: x\ncutover: 2026-02-30\n"}, nil, []string{
			`handover.yaml:1: migration missing: name the migration, e.g. migration: acme-onboarding`,
			`handover.yaml:2: cutover: "2026-02-30" is not a valid date YYYY-MM-DD (day J, e.g. 2026-12-15)`,
		}},
		{"bad variable syntax", map[string]string{"handover.yaml": `migration: test
environments:
  preprod:
    database: postgres://u:${PREPROD-PW}@db/acme
`}, nil, []string{
			`handover.yaml:4: environments.preprod.database: invalid variable name "PREPROD-PW" in ${…}`,
		}},
		{"environments", map[string]string{"handover.yaml": `migration: test
environments:
  dev:
    database: oracle://root:hunter2@db/x
    files: ftp://x
  preprod:
    database: "host=db user=u password='hunter2' dbname"
    requires: [dev, qa]
    approvals: [boss]
  prod:
    database: postgres://db/prod
    approvals: [customer]
  a:
    database: sqlite:///tmp/a.db
    requires: [b]
  b:
    database: sqlite://b.db
    requires: [a]
  bad name:
    database: sqlite://x.db
`}, nil, []string{
			`handover.yaml:4: environments.dev.database: unsupported database scheme "oracle" in "oracle://root:***@db/x" (use sqlite://, postgres://, postgresql://, mysql:// or mariadb://)`,
			`handover.yaml:5: environments.dev.files: unsupported file store "ftp://x" (use dir://PATH or s3://BUCKET/PREFIX)`,
			`handover.yaml:6: environments.preprod.requires: unknown environment "qa"`,
			`handover.yaml:7: environments.preprod.database: "host=db user=u password=*** dbname" is not a valid key=value connection string`,
			`handover.yaml:9: environments.preprod.approvals: unknown role "boss" (roles: reviewer, customer, lead)`,
			`handover.yaml:12: environments.prod.approvals: sign-offs are given on the run of a required environment; add requires: [ENV]`,
			`handover.yaml:13: environments: requires form a cycle: a → b → a`,
			`handover.yaml:19: environment name "bad name" may hold only letters, digits, - and _`,
		}},
		{"gate", map[string]string{"handover.yaml": `migration: test
gate:
  max_reject_rate: 1.5
  max_reject_rate_overall: x
  max_count_change: 2
  min_rows: {contact: 10, structures: -1}
  max_rejects: 3
`}, nil, []string{
			`handover.yaml:3: gate.max_reject_rate: 1.5 must be between 0 and 1 (0.02 = 2 %)`,
			`handover.yaml:4: gate.max_reject_rate_overall: expected a number, got "x"`,
			`handover.yaml:6: gate.min_rows.structures: -1 must be 0 or more`,
			`handover.yaml:6: gate.min_rows: entity "contact" is not in the format (did you mean "contacts"?)`,
			`handover.yaml:7: unknown key "max_rejects" in gate`,
		}},
		{"bad type", map[string]string{"format.yaml": strings.Replace(base["format.yaml"], "type: email", "type: mail", 1)}, nil, []string{
			`format.yaml:11: contacts.email: unknown type "mail" (did you mean "email"? valid types: string, int, decimal, bool, date, datetime, email, phone, country, enum, ref)`,
		}},
		{"ref to later entity", map[string]string{"format.yaml": `entities:
  - name: contacts
    key: external_id
    fields:
      - {name: external_id, type: string, required: true}
      - {name: email, type: email}
      - {name: structure, type: ref, entity: structures}
  - name: structures
    key: external_id
    fields:
      - {name: external_id, type: string, required: true}
      - {name: name, type: string, required: true}
`}, nil, []string{
			`format.yaml:7: contacts.structure: ref to "structures" which is not loaded before contacts (entities load in format order)`,
		}},
		{"missing key field", map[string]string{"format.yaml": strings.Replace(base["format.yaml"], "    key: external_id\n", "", 1)}, nil, []string{
			`format.yaml:2: structures: key missing (name the field that identifies a row, e.g. key: external_id)`,
		}},
		{"missing recipe", map[string]string{"recipes/contacts.yaml": ""}, nil, []string{
			`format.yaml:7: entity contacts has no recipe: add recipes/contacts.yaml with entity: contacts`,
		}},
		{"recipe field unknown, key and required missing", map[string]string{"recipes/structures.yaml": `entity: structures
source: {file: firmen.csv}
fields:
  nmae: Name
`}, nil, []string{
			`recipes/structures.yaml:1: structures.external_id is the key but the recipe has no expression for it under fields:`,
			`recipes/structures.yaml:1: structures.name is required but the recipe has no expression for it under fields:`,
			`recipes/structures.yaml:4: fields.nmae: structures has no field "nmae" (did you mean "name"?)`,
		}},
		{"recipe for unknown entity and duplicate recipe", map[string]string{
			"recipes/kontakte.yaml": "entity: contacts\nsource: {file: k.csv}\nfields: {external_id: ID}\n",
			"recipes/orders.yaml":   "entity: order\nsource: {file: o.csv}\nfields: {x: y}\n",
		}, nil, []string{
			`recipes/kontakte.yaml:1: a second recipe for entity contacts (the first is recipes/contacts.yaml)`,
			`recipes/orders.yaml:1: entity "order" is not in the format (format.yaml)`,
		}},
		{"lookups", map[string]string{
			"lookups/kategorien.csv": "\xef\xbb\xbffrom;to\nVIP;VIP\nPresse;PRESS\nVIP;REGULAR\n;X\na;b;c\n",
			"lookups/land.csv":       "from,to\nSchweiz,CH\n\xfcber,x\n",
			"lookups/bad.csv":        "von,nach\n",
		}, nil, []string{
			`lookups/bad.csv:1: header must be from,to, not von,nach`,
			`lookups/kategorien.csv:4: "VIP" is mapped twice (first at line 2)`,
			`lookups/kategorien.csv:5: empty from value (an empty source value stays empty; it needs no lookup)`,
			`lookups/kategorien.csv:6: expected 2 values (from, to), got 3`,
			`lookups/land.csv:3: not valid UTF-8 (save the table as CSV UTF-8)`,
		}},
		{"missing format file", map[string]string{"handover.yaml": "migration: x\nformat: shared/fmt.yaml\n"}, nil, []string{
			`handover.yaml:2: format: cannot read shared/fmt.yaml: no such file or directory`,
		}},
		{"multiple problems across files", map[string]string{
			"handover.yaml":         "migration: test\ncutover: 15.12.2026\nenvironments:\n  dev: {database: sqlite://x.db, file: dir://f}\n",
			"format.yaml":           strings.Replace(base["format.yaml"], "type: email", "type: email, max_length: many", 1),
			"recipes/contacts.yaml": strings.Replace(base["recipes/contacts.yaml"], "  email: lower(EMail)\n", "  emial: lower(EMail)\n", 1),
		}, nil, []string{
			`handover.yaml:2: cutover: "15.12.2026" is not a valid date YYYY-MM-DD (day J, e.g. 2026-12-15)`,
			`handover.yaml:4: unknown key "file" in environment "dev" (did you mean "files"?)`,
			`format.yaml:11: contacts.email.max_length: expected a whole number, got "many"`,
			`recipes/contacts.yaml:5: fields.emial: contacts has no field "emial" (did you mean "email"?)`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeProject(t, tt.overrides)
			p, err := Load(dir, env(tt.vars))
			var list *Errors
			if !errors.As(err, &list) {
				t.Fatalf("Load = %v, %v; want *Errors", p, err)
			}
			if p != nil {
				t.Error("Load returned a project along with problems")
			}
			var got []string
			for _, pr := range list.Problems {
				got = append(got, pr.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("problems\ngot:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if list.Error() != strings.Join(got, "\n") {
				t.Errorf("Error() = %q, want the problems one per line", list.Error())
			}
			if strings.Contains(list.Error(), "hunter2") {
				t.Errorf("a password leaked into the error:\n%s", list.Error())
			}
		})
	}
}

func TestResolveDir(t *testing.T) {
	dir := t.TempDir()
	_, err := ResolveDir(dir)
	want := "no handover.yaml in " + dir + ": run `handover init " + dir + "` to create a project, or pass -C DIR"
	if err == nil || err.Error() != want {
		t.Errorf("ResolveDir of an empty dir = %v, want %q", err, want)
	}
	if _, err := Load(dir, nil); err == nil || err.Error() != want {
		t.Errorf("Load of an empty dir = %v, want %q", err, want)
	}
	dir = writeProject(t, nil)
	got, err := ResolveDir(filepath.Join(dir, "recipes", ".."))
	if err != nil || got != dir {
		t.Errorf("ResolveDir = %q, %v; want %q", got, err, dir)
	}
}

// An unset ${VAR} of an environment does not stop the project from
// loading: only a command that uses that environment is refused, with the
// variable named (issue 16 item 23).
func TestUnsetVariableOnlyBlocksItsEnvironment(t *testing.T) {
	dir := writeProject(t, map[string]string{"handover.yaml": `migration: test
environments:
  dev:
    database: sqlite://.handover/dev.db
  preprod:
    database: sqlite://.handover/preprod.db
    requires: [dev]
  prod:
    database: postgres://u:${PROD_PW}@db/acme
    files: s3://${BUCKET}/acme
    requires: [preprod]
`})
	p, err := Load(dir, env(map[string]string{"BUCKET": "b"}))
	if err != nil {
		t.Fatalf("Load with an unset prod variable: %v", err)
	}
	if _, err := p.Environment("dev"); err != nil {
		t.Errorf("Environment(dev) = %v, want no error", err)
	}
	_, err = p.Environment("prod")
	want := "handover.yaml:9: environments.prod.database: environment variable PROD_PW is not set (set it to use this environment)"
	if err == nil || err.Error() != want {
		t.Errorf("Environment(prod) = %v, want %q", err, want)
	}
	var unknown *UnknownEnvironmentError
	if _, err := p.Environment("qa"); !errors.As(err, &unknown) {
		t.Errorf("Environment(qa) = %v, want *UnknownEnvironmentError", err)
	}
	if db := p.Environments["prod"].Database; db != "" {
		t.Errorf("the unresolved environment holds a database value %q", db)
	}
}
