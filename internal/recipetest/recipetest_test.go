package recipetest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handover/handover/internal/project"
)

// scaffold writes the init sample project with extra files and loads it.
func scaffold(t *testing.T, files map[string]string) *project.Project {
	t.Helper()
	dir := t.TempDir()
	if err := project.Scaffold(dir); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := project.Load(dir, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t *testing.T, p *project.Project, entity string) *Report {
	t.Helper()
	files, err := Load(p, entity)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(p, files)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestInitSampleTestsPass(t *testing.T) {
	p := scaffold(t, nil)
	rep := run(t, p, "")
	if rep.Cases != 4 || !rep.OK() {
		t.Fatalf("init sample: %d cases, %d failed: %+v", rep.Cases, rep.Failed, rep.Results)
	}
	if !strings.HasPrefix(rep.Hash, "sha256:") {
		t.Errorf("hash %q", rep.Hash)
	}
}

func TestFailingCaseShowsFieldDiff(t *testing.T) {
	p := scaffold(t, map[string]string{"recipes/structures.test.yaml": `
cases:
  - name: passes
    input: {ID: " F1 ", Name: ACME, Land: Schweiz}
    expect: {external_id: F1, name: ACME, country: CH}
  - name: wrong expectation
    input: {ID: F2, Name: " Beta AG ", Land: CH}
    expect: {name: Beta, country: DE}
  - name: expects a reject
    input: {ID: F3, Name: Gamma, Land: Atlantis}
    reject: {field: country, rule: country}
`})
	rep := run(t, p, "structures")
	if rep.Cases != 3 || rep.Passed != 2 || rep.Failed != 1 {
		t.Fatalf("got %+v", rep)
	}
	bad := rep.Results[1]
	if bad.Passed || bad.Line != 6 || len(bad.Diffs) != 2 {
		t.Fatalf("failing case: %+v", bad)
	}
	want := []Diff{{Field: "name", Expected: `"Beta"`, Got: `"Beta AG"`}, {Field: "country", Expected: `"DE"`, Got: `"CH"`}}
	for i, d := range want {
		if bad.Diffs[i] != d {
			t.Errorf("diff %d: got %+v, want %+v", i, bad.Diffs[i], d)
		}
	}
}

func TestRejectExpectedButAccepted(t *testing.T) {
	p := scaffold(t, map[string]string{"recipes/structures.test.yaml": `
cases:
  - name: not rejected
    input: {ID: F1, Name: ACME, Land: CH}
    reject: {field: country}
`})
	rep := run(t, p, "structures")
	if rep.Failed != 1 || rep.Results[0].Diffs[0].Got != "accepted" {
		t.Fatalf("got %+v", rep.Results)
	}
}

func TestStrictFileErrors(t *testing.T) {
	cases := map[string]string{
		"cases:\n  - name: x\n    input: {ID: F1}\n    expct: {name: A}\n":                           `recipes/structures.test.yaml:4: unknown key "expct" in a case (did you mean "expect"?)`,
		"cases:\n  - name: x\n    input: {ID: F1}\n    reject: {field: external_id, rule: unique}\n": `recipes/structures.test.yaml:4: reject.rule unique is out of a single case's reach`,
		"cases:\n  - name: x\n    input: {ID: F1}\n    expect: {nam: A}\n":                           `recipes/structures.test.yaml:4: expect: entity structures has no field "nam"`,
		"cases:\n  - name: x\n    input: {ID: F1}\n":                                                 `recipes/structures.test.yaml:2: case "x": say what must happen`,
	}
	for body, want := range cases {
		p := scaffold(t, map[string]string{"recipes/structures.test.yaml": body})
		_, err := Load(p, "")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %s", body, err, want)
		}
	}
}

func TestUnknownInputColumn(t *testing.T) {
	p := scaffold(t, map[string]string{"recipes/structures.test.yaml": "cases:\n  - name: x\n    input: {ID: F1, Nmae: A}\n    expect: {external_id: F1}\n"})
	files, err := Load(p, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(p, files)
	if err == nil || !strings.Contains(err.Error(), `recipes/structures.test.yaml:3: input: the recipe recipes/structures.yaml reads no column "Nmae" (did you mean "Name"?)`) {
		t.Fatalf("got %v", err)
	}
}
