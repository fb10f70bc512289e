package project

import (
	"strings"
	"testing"
)

const fixupFormat = `entities:
  - name: structures
    key: external_id
    fields:
      - {name: external_id, type: string, required: true}
      - {name: name, type: string, required: true}
      - {name: note, type: string}
  - name: contacts
    key: external_id
    fields:
      - {name: external_id, type: string, required: true}
      - {name: email, type: email}
      - {name: description, type: string}
      - {name: structure, type: ref, entity: structures}
`

const fixupRecipe = `entity: contacts
source: {file: kontakte.csv}
fields:
  external_id: ID
  email: lower(EMail)
  structure: Firma_ID
fixups:
  - field: description
    match: 'https://crm\.old-vendor\.example/contact\.aspx\?id=(\d+)'
    entity: contacts
    replace: 'https://app.example.com/contacts/{id}'
`

func TestFixupsLoad(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"format.yaml":           fixupFormat,
		"recipes/contacts.yaml": fixupRecipe,
		"handover.yaml": base["handover.yaml"] + `fixups:
  - on: structures
    field: note
    match: '^\\\\oldfs\\docs\\(.+)$'
    replace: 'files/{1}'
  - on: contacts
    name: see-structure
    field: description
    match: 'structure (S\d+)'
    entity: structures
    replace: 'structure #{id}'
`,
	})
	p, err := Load(dir, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range p.Fixups {
		got = append(got, r.Name+" "+r.On+"."+r.Field)
	}
	want := "structures.note#1 structures.note|contacts.description#1 contacts.description|see-structure contacts.description"
	if strings.Join(got, "|") != want {
		t.Errorf("rules %q, want %q (format order; recipe before handover.yaml)", strings.Join(got, "|"), want)
	}
	if !strings.HasPrefix(p.Hashes.Fixups, "sha256:") {
		t.Errorf("fixups hash %q", p.Hashes.Fixups)
	}
	plain, err := Load(writeProject(t, nil), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if plain.Hashes.Fixups != "" || len(plain.Fixups) != 0 {
		t.Errorf("a project without fix-ups has %d and hash %q", len(plain.Fixups), plain.Hashes.Fixups)
	}
}

func TestFixupsConfigErrors(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"format.yaml": fixupFormat,
		"recipes/contacts.yaml": strings.Replace(fixupRecipe, "field: description", "field: email", 1) + `  - field: description
    match: 'id=('
    replace: x
`,
		"handover.yaml": base["handover.yaml"] + `fixups:
  - field: note
    match: a
    replace: b
  - on: contacts
    field: description
    match: 'id=(\d+)'
    replace: 'x/{id}'
`,
	})
	_, err := Load(dir, env(nil))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"recipes/contacts.yaml:8: fixup field: contacts.email is email; fix-ups rewrite text fields (type string) only",
		"recipes/contacts.yaml:13: fixup match: missing closing )",
		"handover.yaml:11: fixup on missing",
		"handover.yaml:17: fixup replace: {id} needs entity:",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 4 {
		t.Errorf("%d problems, want 4:\n%v", n, err)
	}
}
