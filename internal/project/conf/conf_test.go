package conf

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestExpand(t *testing.T) {
	vars := map[string]string{"A": "1", "B_2": "two", "EMPTY": ""}
	getenv := func(k string) string { return vars[k] }
	tests := []struct{ in, want, err string }{
		{"plain", "plain", ""},
		{"${A}-${B_2}", "1-two", ""},
		{"$A and $$ stay", "$A and $$ stay", ""},
		{"$${A} is literal", "${A} is literal", ""},
		{"x${MISSING}y", "xy", "environment variable MISSING is not set"},
		{"${EMPTY}${NOPE}", "", "environment variables EMPTY, NOPE are not set"},
		{"${A", "${A", "unterminated ${ (write $${ for a literal ${)"},
		{"${A-B}", "${A-B}", `invalid variable name "A-B" in ${…}`},
	}
	for _, tt := range tests {
		got, err := Expand(tt.in, getenv)
		if got != tt.want || (err == nil) != (tt.err == "") || (err != nil && err.Error() != tt.err) {
			t.Errorf("Expand(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestSuggest(t *testing.T) {
	keys := []string{"database", "files", "requires", "approvals"}
	tests := []struct{ in, want string }{
		{"databse", "database"},
		{"Database", "database"},
		{"file", "files"},
		{"requries", "requires"},
		{"db", ""},
		{"url", ""},
		{"x", ""},
	}
	for _, tt := range tests {
		if got := Suggest(tt.in, keys); got != tt.want {
			t.Errorf("Suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDocHidesCredentials(t *testing.T) {
	errs := &Errors{}
	d := &Doc{File: "h.yaml", Errs: errs}
	root := d.Parse([]byte("envs:\n  dev: postgres://u:hunter2@h/db\n  n: password=hunter2\n"))
	d.Map(root, "", Keys{"envs": func(v *yaml.Node) {
		for _, e := range d.Entries(v, "envs") {
			d.Map(e.Value, "in env", Keys{})
		}
	}})
	if errs.Len() != 2 || strings.Contains(errs.Error(), "hunter2") {
		t.Errorf("problems:\n%s", errs.Error())
	}
}

func TestErrorsSortAndString(t *testing.T) {
	e := &Errors{}
	e.Add("b.yaml", 9, "late")
	e.Add("a.yaml", 0, "whole file")
	e.Add("b.yaml", 2, "early %d", 1)
	e.Sort()
	want := "b.yaml:2: early 1\nb.yaml:9: late\na.yaml: whole file"
	if e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
	var empty *Errors
	if empty.Err() != nil || (&Errors{}).Err() != nil || e.Err() == nil {
		t.Error("Err() must be nil exactly when there is no problem")
	}
}
