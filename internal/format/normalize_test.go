package format

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	long := strings.Repeat("x", 212)
	tests := []struct {
		name  string
		field Field
		in    any
		want  string
		rule  string
		msg   string
	}{
		{"null", Field{Name: "note", Type: String}, nil, "", "", ""},
		{"empty", Field{Name: "note", Type: String}, "", "", "", ""},
		{"required nil", Field{Name: "last_name", Type: String, Required: true}, nil, "", "required", "last_name: is required"},
		{"required empty", Field{Name: "last_name", Type: String, Required: true}, "", "", "required", "last_name: is required"},
		{"empty skips constraints", Field{Name: "code", Type: String, Pattern: "[A-Z]+", Min: "2"}, "", "", "", ""},
		{"string", Field{Name: "last_name", Type: String}, " Müller ", " Müller ", "", ""},
		{"max_length ok", Field{Name: "name", Type: String, MaxLength: 6}, "Müller", "Müller", "", ""},
		{"max_length", Field{Name: "name", Type: String, MaxLength: 200}, long, "", "max_length",
			`name: "` + strings.Repeat("x", 40) + `…" is longer than 200 characters (212)`},
		{"min length", Field{Name: "code", Type: String, Min: "3"}, "ab", "", "min", `code: "ab" is shorter than 3 characters (2)`},
		{"max length", Field{Name: "code", Type: String, Max: "3"}, "abcd", "", "max", `code: "abcd" is longer than 3 characters (4)`},
		{"pattern ok", Field{Name: "code", Type: String, Pattern: "[A-Z]{2}"}, "AB", "AB", "", ""},
		{"pattern whole value", Field{Name: "code", Type: String, Pattern: "[A-Z]{2}"}, "ABC", "", "pattern",
			`code: "ABC" does not have the required form (see code in the import format)`},
		{"pattern alternation anchored", Field{Name: "code", Type: String, Pattern: "A|B"}, "AB", "", "pattern",
			`code: "AB" does not have the required form (see code in the import format)`},
		{"int", Field{Name: "age", Type: Int}, "+042", "42", "", ""},
		{"int from number", Field{Name: "age", Type: Int}, 42, "42", "", ""},
		{"int 12.0", Field{Name: "age", Type: Int}, "12.0", "", "int", `age: "12.0" is not a whole number`},
		{"int min", Field{Name: "age", Type: Int, Min: "18"}, "17", "", "min", "age: 17 is less than the minimum 18"},
		{"int max", Field{Name: "age", Type: Int, Max: "120"}, "150", "", "max", "age: 150 is more than the maximum 120"},
		{"int in range", Field{Name: "age", Type: Int, Min: "-5", Max: "120"}, "-5", "-5", "", ""},
		{"decimal", Field{Name: "amount", Type: Decimal, Scale: -1}, "1234.50", "1234.50", "", ""},
		{"decimal scale", Field{Name: "amount", Type: Decimal, Scale: 2}, "12.345", "12.35", "", ""},
		{"decimal scale pads", Field{Name: "amount", Type: Decimal, Scale: 2}, "12", "12.00", "", ""},
		{"decimal float", Field{Name: "amount", Type: Decimal, Scale: 2}, 1.5, "1.50", "", ""},
		{"decimal bad", Field{Name: "amount", Type: Decimal, Scale: 2}, "1'234.50", "", "decimal", `amount: "1'234.50" is not a decimal number`},
		{"decimal min", Field{Name: "amount", Type: Decimal, Scale: -1, Min: "0.01"}, "0.001", "", "min", "amount: 0.001 is less than the minimum 0.01"},
		{"decimal max", Field{Name: "amount", Type: Decimal, Scale: -1, Max: "1000"}, "1000.5", "", "max", "amount: 1000.5 is more than the maximum 1000"},
		{"bool", Field{Name: "active", Type: Bool}, "Ja", "true", "", ""},
		{"bool native", Field{Name: "active", Type: Bool}, false, "false", "", ""},
		{"bool bad", Field{Name: "active", Type: Bool}, "maybe", "", "bool", `active: "maybe" is not yes or no`},
		{"date", Field{Name: "birth_date", Type: Date}, "1980-02-29", "1980-02-29", "", ""},
		{"date midnight", Field{Name: "birth_date", Type: Date}, "1980-02-29 00:00:00", "1980-02-29", "", ""},
		{"date midnight Z", Field{Name: "birth_date", Type: Date}, "1980-02-29T00:00:00Z", "1980-02-29", "", ""},
		{"date with time", Field{Name: "birth_date", Type: Date}, "1980-02-29 10:00", "", "date",
			`birth_date: "1980-02-29 10:00" is not a valid date (YYYY-MM-DD)`},
		{"date 31.02", Field{Name: "birth_date", Type: Date}, "1980-02-31", "", "date", `birth_date: "1980-02-31" is not a valid date (YYYY-MM-DD)`},
		{"date swiss", Field{Name: "birth_date", Type: Date}, "29.02.1980", "", "date", `birth_date: "29.02.1980" is not a valid date (YYYY-MM-DD)`},
		{"date min", Field{Name: "birth_date", Type: Date, Min: "1900-01-01"}, "1850-01-01", "", "min",
			"birth_date: 1850-01-01 is before the earliest allowed 1900-01-01"},
		{"date max", Field{Name: "birth_date", Type: Date, Max: "2025-12-31"}, "2026-01-01", "", "max",
			"birth_date: 2026-01-01 is after the latest allowed 2025-12-31"},
		{"datetime", Field{Name: "created", Type: Datetime}, "1980-02-29T10:00:00Z", "1980-02-29T10:00:00Z", "", ""},
		{"datetime space", Field{Name: "created", Type: Datetime}, "1980-02-29 10:00:00", "1980-02-29T10:00:00Z", "", ""},
		{"datetime minutes", Field{Name: "created", Type: Datetime}, "1980-02-29 10:00", "1980-02-29T10:00:00Z", "", ""},
		{"datetime offset", Field{Name: "created", Type: Datetime}, "1980-02-29T10:00:00+01:00", "1980-02-29T09:00:00Z", "", ""},
		{"datetime fraction", Field{Name: "created", Type: Datetime}, "1980-02-29T10:00:00.75Z", "1980-02-29T10:00:00Z", "", ""},
		{"datetime date", Field{Name: "created", Type: Datetime}, "1980-02-29", "1980-02-29T00:00:00Z", "", ""},
		{"datetime bad", Field{Name: "created", Type: Datetime}, "29.02.1980 10:00", "", "datetime",
			`created: "29.02.1980 10:00" is not a valid date and time (YYYY-MM-DDTHH:mm:ssZ)`},
		{"datetime min", Field{Name: "created", Type: Datetime, Min: "2000-01-01T00:00:00Z"}, "1999-12-31 23:59", "", "min",
			"created: 1999-12-31T23:59:00Z is before the earliest allowed 2000-01-01T00:00:00Z"},
		{"email", Field{Name: "email", Type: Email}, "Anna@Example.CH", "Anna@example.ch", "", ""},
		{"email bad", Field{Name: "email", Type: Email}, "n/a", "", "email", `email: "n/a" is not a valid e-mail address`},
		{"email max_length", Field{Name: "email", Type: Email, MaxLength: 10}, "anna@example.ch", "", "max_length",
			`email: "anna@example.ch" is longer than 10 characters (15)`},
		{"phone", Field{Name: "phone", Type: Phone}, "+41441234567", "+41441234567", "", ""},
		{"phone spaced", Field{Name: "phone", Type: Phone}, "+41 44 123 45 67", "+41441234567", "", ""},
		{"phone national", Field{Name: "phone", Type: Phone}, "044 123 45 67", "", "phone",
			`phone: "044 123 45 67" is not a valid international phone number (+41…)`},
		{"country", Field{Name: "country", Type: Country}, "CH", "CH", "", ""},
		{"country name", Field{Name: "country", Type: Country}, "Schweiz", "CH", "", ""},
		{"country bad", Field{Name: "country", Type: Country}, "Atlantis", "", "country", `country: "Atlantis" is not a known country`},
		{"enum", Field{Name: "category", Type: Enum, Values: []string{"VIP", "REGULAR", "PRESS"}}, "VIP", "VIP", "", ""},
		{"enum bad", Field{Name: "category", Type: Enum, Values: []string{"VIP", "REGULAR", "PRESS"}}, "Gold", "", "enum",
			`category: "Gold" is not one of VIP, REGULAR, PRESS`},
		{"enum exact", Field{Name: "category", Type: Enum, Values: []string{"VIP", "REGULAR", "PRESS"}}, "vip", "", "enum",
			`category: "vip" is not one of VIP, REGULAR, PRESS`},
		{"ref", Field{Name: "structure", Type: Ref, Entity: "structures"}, "F1", "F1", "", ""},
		{"ref required", Field{Name: "structure", Type: Ref, Entity: "structures", Required: true}, "", "", "required", "structure: is required"},
		{"not a value", Field{Name: "note", Type: String}, []string{"a"}, "", "string", "note: [a] is not a value"},
	}
	for _, tt := range tests {
		for _, compiled := range []bool{false, true} {
			f := tt.field
			if compiled {
				if err := f.Compile(); err != nil {
					t.Fatalf("%s: Compile: %v", tt.name, err)
				}
			}
			got, p := f.Normalize(tt.in)
			if tt.rule == "" {
				if p != nil || got != tt.want {
					t.Errorf("%s (compiled %v): Normalize(%#v) = %q, %v; want %q", tt.name, compiled, tt.in, got, p, tt.want)
				}
				continue
			}
			if p == nil || p.Rule != tt.rule || p.Message != tt.msg || p.Field != tt.field.Name || got != "" {
				t.Errorf("%s (compiled %v): Normalize(%#v) = %q, %+v\nwant rule %s %q", tt.name, compiled, tt.in, got, p, tt.rule, tt.msg)
			}
		}
	}
}

func TestCompileErrors(t *testing.T) {
	f := &Format{Path: "format.yaml", Entities: []*Entity{{Name: "contacts", Fields: []*Field{
		{Name: "code", Type: String, Pattern: "(", Line: 5},
		{Name: "age", Type: Int, Min: "x", Line: 6},
		{Name: "birth_date", Type: Date, Max: "31.12.2020", Line: 7},
		{Name: "name", Type: String, Max: "-1", Line: 8},
		{Name: "ok", Type: Decimal, Scale: 2, Min: "0", Max: "10.5", Line: 9},
	}}}}
	err := f.Compile()
	if err == nil {
		t.Fatal("Compile succeeded")
	}
	want := []string{
		"format.yaml:5: entity contacts: field code: pattern does not compile",
		`format.yaml:6: entity contacts: field age: min "x" is not a valid int`,
		`format.yaml:7: entity contacts: field birth_date: max "31.12.2020" is not a valid date`,
		`format.yaml:8: entity contacts: field name: max "-1" is not a length (0 or more) for type string`,
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got %d error lines, want %d:\n%v", len(lines), len(want), err)
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("line %d = %q\nwant prefix %q", i+1, lines[i], want[i])
		}
	}
}

func BenchmarkNormalize(b *testing.B) {
	e := &Entity{Name: "contacts", Fields: []*Field{
		{Name: "external_id", Type: String, Required: true, MaxLength: 40},
		{Name: "email", Type: Email},
		{Name: "phone", Type: Phone},
		{Name: "birth_date", Type: Date, Min: "1900-01-01"},
		{Name: "category", Type: Enum, Values: []string{"VIP", "REGULAR", "PRESS"}},
		{Name: "amount", Type: Decimal, Scale: 2},
		{Name: "country", Type: Country},
	}}
	if err := e.Compile(); err != nil {
		b.Fatal(err)
	}
	in := []any{"12345", "anna@example.ch", "+41441234567", "1980-02-29", "VIP", "1234.5", "CH"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for j, f := range e.Fields {
			if _, p := f.Normalize(in[j]); p != nil {
				b.Fatal(p)
			}
		}
	}
}

func TestNormalizeCanonicalChecksConstraints(t *testing.T) {
	f := &Field{Name: "phone", Type: Phone, Required: true, MaxLength: 12, Scale: -1}
	if err := f.Compile(); err != nil {
		t.Fatal(err)
	}
	if v, p := f.NormalizeCanonical("+41441234567"); p != nil || v != "+41441234567" {
		t.Errorf("valid: %q %v", v, p)
	}
	if _, p := f.NormalizeCanonical(""); p == nil || p.Rule != "required" {
		t.Errorf("empty: %v, want required", p)
	}
	if _, p := f.NormalizeCanonical("+4144123456789"); p == nil || p.Rule != "max_length" {
		t.Errorf("long: %v, want max_length", p)
	}
}
