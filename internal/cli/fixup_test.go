package cli

import (
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handover/handover/internal/protocol"
)

// fixupProjectFiles is a project whose contacts link to each other in the
// old CRM; contact 9 is missing from the first delivery.
var fixupProjectFiles = map[string]string{
	"handover.yaml": `migration: fixup-test
environments:
  dev:
    database: sqlite://.handover/dev.db
fixups:
  - on: contacts
    field: attachment
    match: '^\\\\oldfs\\docs\\(.+)$'
    replace: 'files/{1}'
`,
	"format.yaml": `entities:
  - name: contacts
    key: external_id
    fields:
      - {name: external_id, type: string, required: true}
      - {name: notes, type: string}
      - {name: attachment, type: string}
`,
	"recipes/contacts.yaml": `entity: contacts
source: {file: kontakte.csv}
fields:
  external_id: ID
  notes: Notiz
  attachment: Anhang
fixups:
  - name: crm-links
    field: notes
    match: 'https://crm\.old-vendor\.example/contact\.aspx\?id=(\d+)'
    entity: contacts
    replace: 'https://app.example.com/contacts/{id}'
`,
	"delivery/kontakte.csv": "ID;Notiz;Anhang\n" +
		"1;see https://crm.old-vendor.example/contact.aspx?id=2 and https://crm.old-vendor.example/contact.aspx?id=9;\\\\oldfs\\docs\\a.pdf\n" +
		"2;;\n",
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func protocolOf(t *testing.T, out string) *protocol.Protocol {
	t.Helper()
	var p protocol.Protocol
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("not a protocol: %v\n%s", err, out)
	}
	return &p
}

func TestFixupCommand(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, fixupProjectFiles)
	mustRun(t, "-C", dir, "receive", filepath.Join(dir, "delivery"))
	imp := protocolOf(t, mustRun(t, "-C", dir, "import", "--env", "dev", "--json"))
	if len(imp.Fixups) != 2 || imp.Fixups[0].Rule != "crm-links" || imp.Fixups[0].Rewritten != 1 || imp.Fixups[0].Unresolved != 1 ||
		imp.Fixups[1].Rule != "contacts.attachment#1" || imp.Fixups[1].Rows != 1 || !strings.HasPrefix(imp.Hashes.Fixups, "sha256:") {
		t.Fatalf("import fixups %+v, hashes %+v", imp.Fixups, imp.Hashes)
	}
	csv, err := os.ReadFile(filepath.Join(imp.Artifacts, "rejects", "fixups.csv"))
	if err != nil || !strings.Contains(string(csv), `contacts,1,notes,https://crm.old-vendor.example/contact.aspx?id=9,crm-links,"no contacts row has the key ""9"""`) {
		t.Errorf("fixups.csv (%v):\n%s", err, csv)
	}

	// Contact 9 arrives behind handover's back: a fixup run resolves the link.
	db, err := sql.Open("sqlite", filepath.Join(dir, ".handover", "dev.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO contacts (id, external_id) VALUES (77, '9');
		INSERT INTO handover_rows (entity, key, fingerprint, target_id) VALUES ('contacts', '9', x'00', 77)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	dry := protocolOf(t, mustRun(t, "-C", dir, "fixup", "--env", "dev", "--dry-run", "--json"))
	if dry.Kind != "fixup" || !dry.DryRun || dry.Extraction != 1 || len(dry.Fixups) != 2 || dry.Fixups[0].Rewritten != 1 || dry.Fixups[0].Unresolved != 0 {
		t.Fatalf("dry run %+v fixups %+v", dry, dry.Fixups)
	}
	out := mustRun(t, "-C", dir, "fixup", "--env", "dev")
	for _, want := range []string{"run 3 · fixup into dev · extraction 1 · succeeded",
		"fix-up crm-links (contacts.notes): 1 matches, 1 rewritten in 1 rows, 0 unresolved"} {
		if !strings.Contains(out, want) {
			t.Errorf("fixup output lacks %q:\n%s", want, out)
		}
	}
	var notes string
	db, err = sql.Open("sqlite", filepath.Join(dir, ".handover", "dev.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow("SELECT notes FROM contacts WHERE external_id = '1'").Scan(&notes); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(notes, "and https://app.example.com/contacts/77") {
		t.Errorf("notes after fixup: %q", notes)
	}
	again := protocolOf(t, mustRun(t, "-C", dir, "fixup", "--env", "dev", "--json"))
	if again.Fixups[0].Matches != 0 || again.Fixups[1].Matches != 0 {
		t.Errorf("a second fixup found matches: %+v %+v", again.Fixups[0], again.Fixups[1])
	}
	var runs struct{ Runs []struct{ Kind string } }
	if err := json.Unmarshal([]byte(mustRun(t, "-C", dir, "runs", "--json")), &runs); err != nil || len(runs.Runs) != 4 || runs.Runs[3].Kind != "fixup" || runs.Runs[0].Kind != "import" {
		t.Errorf("runs (%v): %+v", err, runs)
	}
}

func TestFixupCommandRefuses(t *testing.T) {
	cases := []struct {
		name     string
		override map[string]string
		args     []string
		want     string
	}{
		{"no --env", nil, []string{"fixup"}, "fixup needs --env ENV"},
		{"unknown env", nil, []string{"fixup", "--env", "prod"}, `no environment "prod"`},
		{"no rules", map[string]string{
			"handover.yaml":         "migration: x\nenvironments:\n  dev:\n    database: sqlite://.handover/dev.db\n",
			"recipes/contacts.yaml": "entity: contacts\nsource: {file: kontakte.csv}\nfields:\n  external_id: ID\n",
		}, []string{"fixup", "--env", "dev"}, "no fix-up rules"},
		{"bad rule", map[string]string{"handover.yaml": strings.Replace(fixupProjectFiles["handover.yaml"], "field: attachment", "field: attachmnt", 1)},
			[]string{"fixup", "--env", "dev"}, `handover.yaml:7: fixup field: contacts has no field "attachmnt" (did you mean "attachment"?)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, fixupProjectFiles)
			writeFiles(t, dir, c.override)
			code, _, errOut := runCLI(t, nil, append([]string{"-C", dir}, c.args...)...)
			if code != exitUsage || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, errOut, c.want)
			}
		})
	}
}
