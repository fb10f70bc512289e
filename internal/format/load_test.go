package format

import (
	"errors"
	"strings"
	"testing"

	"github.com/handover/handover/internal/project/conf"
)

func TestParseFormatDefaults(t *testing.T) {
	src := `entities:
  - name: structures
    key: external_id
    fields:
      - {name: external_id, type: string, required: true, max_length: 40}
  - name: contacts
    key: external_id
    table: kontakt
    removed: flag
    fields:
      - {name: external_id, type: string, required: true}
      - {name: amount, type: decimal, scale: 2, min: "0", max: 1000.50, column: betrag}
      - {name: category, type: enum, values: [VIP, 12]}
      - {name: structure, type: ref, entity: structures}
      - {name: born, type: date, min: 1900-01-01}
`
	f, err := ParseFormat("format.yaml", []byte(src))
	if err != nil {
		t.Fatalf("ParseFormat: %v", err)
	}
	if len(f.Entities) != 2 {
		t.Fatalf("got %d entities, want 2", len(f.Entities))
	}
	s, c := f.Entities[0], f.Entities[1]
	if s.Table != "structures" || s.Removed != RemovedKeep || s.Line != 2 {
		t.Errorf("structures: table %q removed %q line %d", s.Table, s.Removed, s.Line)
	}
	if c.Table != "kontakt" || c.Removed != RemovedFlag || c.Key != "external_id" {
		t.Errorf("contacts: table %q removed %q key %q", c.Table, c.Removed, c.Key)
	}
	id := s.Field("external_id")
	if id.Column != "external_id" || id.Scale != -1 || id.MaxLength != 40 || !id.Required || id.Line != 5 {
		t.Errorf("external_id: %+v", id)
	}
	amount := c.Field("amount")
	if amount.Column != "betrag" || amount.Scale != 2 || amount.Min != "0" || amount.Max != "1000.50" {
		t.Errorf("amount: %+v", amount)
	}
	if got := c.Field("category").Values; strings.Join(got, ",") != "VIP,12" {
		t.Errorf("enum values %q", got)
	}
	if got := c.Field("born").Min; got != "1900-01-01" {
		t.Errorf("date min %q, want it as written", got)
	}
}

func TestParseFormatProblems(t *testing.T) {
	const valid = "valid types: string, int, decimal, bool, date, datetime, email, phone, country, enum, ref"
	tests := []struct {
		name string
		src  string
		want []string // full problem lines
	}{
		{"bad type with suggestion", `entities:
  - name: contacts
    key: external_id
    fields:
      - {name: external_id, type: string}
      - {name: email, type: mail}
`, []string{`format.yaml:6: contacts.email: unknown type "mail" (did you mean "email"? ` + valid + `)`}},
		{"missing type", `entities:
  - name: contacts
    key: external_id
    fields:
      - {name: external_id}
`, []string{`format.yaml:5: contacts.external_id: type missing (` + valid + `)`}},
		{"ref to later entity", `entities:
  - name: contacts
    key: external_id
    fields:
      - {name: external_id, type: string}
      - {name: order, type: ref, entity: orders}
  - name: orders
    key: no
    fields:
      - {name: no, type: int}
`, []string{`format.yaml:6: contacts.order: ref to "orders" which is not loaded before contacts (entities load in format order)`}},
		{"ref to itself", `entities:
  - name: contacts
    key: external_id
    fields:
      - {name: external_id, type: string}
      - {name: parent, type: ref, entity: contacts}
`, []string{`format.yaml:6: contacts.parent: ref to "contacts" which is not loaded before contacts (entities load in format order)`}},
		{"ref to unknown entity", `entities:
  - name: structures
    key: k
    fields: [{name: k, type: string}]
  - name: contacts
    key: k
    fields:
      - {name: k, type: string}
      - {name: s, type: ref, entity: structure}
`, []string{`format.yaml:9: contacts.s: ref to unknown entity "structure" (did you mean "structures"?)`}},
		{"missing key", `entities:
  - name: contacts
    fields:
      - {name: external_id, type: string}
`, []string{`format.yaml:2: contacts: key missing (name the field that identifies a row, e.g. key: external_id)`}},
		{"key not a field", `entities:
  - name: contacts
    key: external_ids
    fields:
      - {name: external_id, type: string}
`, []string{`format.yaml:2: contacts: key "external_ids" is not a field of contacts (did you mean "external_id"?)`}},
		{"unknown field key", `entities:
  - name: contacts
    key: k
    fields:
      - {name: k, type: string, requird: true}
`, []string{`format.yaml:5: unknown key "requird" in field "contacts.k" (did you mean "required"?)`}},
		{"duplicate entity", `entities:
  - {name: a, key: k, fields: [{name: k, type: string}]}
  - {name: a, key: k, fields: [{name: k, type: string}]}
`, []string{`format.yaml:3: entity "a" defined twice (first at line 2)`}},
		{"constraints", `entities:
  - name: c
    key: k
    removed: drop
    fields:
      - {name: k, type: string, max_length: -1, pattern: "a(b"}
      - {name: id, type: int, min: x}
      - {name: e, type: enum}
      - {name: d, type: string, scale: 2, values: [A]}
      - {name: r, type: ref}
      - {name: n, type: decimal, scale: -2, min: 5, max: 1}
      - {name: t, type: date, max: 31.12.2020}
      - {name: u, type: string, column: "bad col"}
      - {name: k2, type: string, column: K}
`, []string{
			`format.yaml:2: c: removed must be keep, delete or flag, not "drop"`,
			`format.yaml:6: c.k: max_length must be 0 or more, not -1`,
			"format.yaml:6: c.k: pattern does not compile: error parsing regexp: missing closing ): `a(b`",
			`format.yaml:7: c.id: the name "id" is reserved for the generated id column; call it e.g. external_id`,
			`format.yaml:7: c.id: min "x" is not a whole number`,
			`format.yaml:8: c.e: an enum needs values: [A, B, …]`,
			`format.yaml:9: c.d: values only apply to type enum, not string`,
			`format.yaml:9: c.d: scale only applies to type decimal, not string`,
			`format.yaml:10: c.r: a ref needs entity: the name of the entity it points to`,
			`format.yaml:11: c.n: scale must be 0 or more, not -2`,
			`format.yaml:11: c.n: min 5 is greater than max 1`,
			`format.yaml:12: c.t: max "31.12.2020" is not a date YYYY-MM-DD`,
			`format.yaml:13: c.u: column "bad col" is not a valid SQL identifier ([A-Za-z_][A-Za-z0-9_]*)`,
			`format.yaml:14: c.k2: column "K" is also used by field k`,
		}},
		{"bad names", `entities:
  - name: my entity
    key: k
    fields: [{name: k, type: string}]
  - name: b
    key: k
    table: "x-y"
    fields: [{name: "2k", type: string}, {name: k, type: string}]
`, []string{
			`format.yaml:2: entity name "my entity" is not an identifier (letters, digits and _, not starting with a digit)`,
			`format.yaml:8: b.2k: field name "2k" is not an identifier (letters, digits and _, not starting with a digit)`,
			`format.yaml:5: b: table "x-y" is not a valid SQL identifier ([A-Za-z_][A-Za-z0-9_]*)`,
		}},
		{"repeated key", `entities:
  - name: c
    key: k
    key: j
    fields: [{name: k, type: string}]
`, []string{`format.yaml:4: entity "c": key "key" repeated (first at line 3)`}},
		{"invalid yaml", "entities:\n  - name: c: d\n", []string{
			`format.yaml:2: invalid YAML: mapping values are not allowed in this context`,
		}},
		{"empty", "", []string{`format.yaml: file is empty`}},
		{"bool not bool", `entities:
  - name: c
    key: k
    fields: [{name: k, type: string, required: yes please}]
`, []string{`format.yaml:4: c.k.required: expected true or false, got "yes please"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFormat("format.yaml", []byte(tt.src))
			var list *conf.Errors
			if !errors.As(err, &list) {
				t.Fatalf("error %v (%T), want *conf.Errors", err, err)
			}
			got := map[string]bool{}
			for _, p := range list.Problems {
				got[p.String()] = true
			}
			for _, w := range tt.want {
				if !got[w] {
					t.Errorf("missing problem\n  %s\ngot:\n%s", w, list.Error())
				}
			}
			if len(list.Problems) != len(tt.want) {
				t.Errorf("got %d problems, want %d:\n%s", len(list.Problems), len(tt.want), list.Error())
			}
		})
	}
}

// FuzzParseFormat checks that no input panics and that an accepted format
// keeps the invariants the rest of handover relies on.
func FuzzParseFormat(f *testing.F) {
	f.Add([]byte("entities:\n  - name: a\n    key: k\n    fields: [{name: k, type: string}]\n"))
	f.Add([]byte("entities:\n  - &e {name: a, key: k, fields: *e}\n"))
	f.Add([]byte("entities: [{name: b, key: k, fields: [{name: k, type: ref, entity: b}, {name: n, type: decimal, scale: 2, min: 1, max: 0.5}]}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fm, err := ParseFormat("f.yaml", data)
		if err != nil {
			return
		}
		for i, e := range fm.Entities {
			if e.Table == "" || e.KeyIndex() < 0 || len(e.Fields) == 0 {
				t.Fatalf("accepted entity %+v", e)
			}
			for _, fl := range e.Fields {
				if fl.Column == "" || !isFormatType(fl.Type) {
					t.Fatalf("accepted field %+v", fl)
				}
				if fl.Type == Ref {
					if j := entityIndexForTest(fm, fl.Entity); j < 0 || j >= i {
						t.Fatalf("accepted ref %s.%s to %q", e.Name, fl.Name, fl.Entity)
					}
				}
			}
		}
	})
}

func entityIndexForTest(f *Format, name string) int {
	for i, e := range f.Entities {
		if e.Name == name {
			return i
		}
	}
	return -1
}
