package project

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestScaffoldLoads(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	if err := Scaffold(dir); err != nil {
		t.Fatalf("Scaffold: %v", err)
	}
	p, err := Load(dir, env(nil))
	if err != nil {
		t.Fatalf("Load of the scaffold: %v", err)
	}
	if got := entityNames(p.Format); strings.Join(got, ",") != "structures,contacts" {
		t.Errorf("entities %v", got)
	}
	if len(p.Recipes) != 2 || p.Lookups["kategorien"]["Presse"] != "PRESS" {
		t.Errorf("recipes %d, lookups %v", len(p.Recipes), p.Lookups)
	}
	if strings.Join(p.EnvOrder, ",") != "dev" || p.Environments["dev"].Database != "sqlite://"+filepath.Join(dir, ".handover/dev.db") {
		t.Errorf("environments %v, dev %+v", p.EnvOrder, p.Environments["dev"])
	}
	if p.Gate.MaxRejectRate == nil || *p.Gate.MaxRejectRate != 0.35 {
		t.Errorf("gate %+v", p.Gate)
	}
	if got := string(mustRead(t, dir, ".gitignore")); got != ".handover/\n" {
		t.Errorf(".gitignore = %q", got)
	}
	for _, r := range p.Recipes {
		data := mustRead(t, dir, filepath.Join("sample", r.Source.File))
		if utf8.Valid(data) || !bytes.Contains(data, []byte{0xfc}) {
			t.Errorf("sample/%s: want Windows-1252 bytes (ü as 0xFC)", r.Source.File)
		}
		if !bytes.HasPrefix(data, []byte("ID;")) || bytes.Count(data, []byte("\r\n")) != bytes.Count(data, []byte("\n")) {
			t.Errorf("sample/%s: want a ;-delimited header and CRLF line ends", r.Source.File)
		}
	}
	contacts := mustRead(t, dir, "sample/kontakte.csv")
	if n := bytes.Count(contacts, []byte("\r\n")) - 1; n != 10 {
		t.Errorf("sample/kontakte.csv has %d rows, want 10", n)
	}
	if !bytes.Contains(contacts, []byte("gel\xf6scht")) || !bytes.Contains(contacts, []byte("31.02.1980")) {
		t.Error("sample/kontakte.csv lacks the filtered row or the bad date")
	}
}

func TestScaffoldRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	if err := Scaffold(dir); err != nil {
		t.Fatalf("Scaffold: %v", err)
	}
	err := Scaffold(dir)
	if want := dir + " already has a handover.yaml; not overwriting it"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("second Scaffold = %v, want %q", err, want)
	}

	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "format.yaml"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = Scaffold(dir)
	if err == nil || !strings.Contains(err.Error(), "already has format.yaml; not overwriting") {
		t.Errorf("Scaffold over format.yaml = %v", err)
	}
	if _, statErr := os.Stat(filepath.Join(dir, ConfigFile)); statErr == nil {
		t.Error("a refused Scaffold still wrote handover.yaml")
	}
	if got := string(mustRead(t, dir, "format.yaml")); got != "mine" {
		t.Errorf("format.yaml overwritten: %q", got)
	}
}

func TestExampleAcmeLoads(t *testing.T) {
	dir := filepath.Join("..", "..", "examples", "acme")
	p, err := Load(dir, func(string) string { return "" })
	if err != nil {
		t.Fatalf("Load examples/acme: %v", err)
	}
	if got := strings.Join(entityNames(p.Format), ","); got != "structures,contacts,sales" {
		t.Errorf("entities %s", got)
	}
	for _, name := range []string{"structures", "contacts", "sales"} {
		r := p.Recipes[name]
		if r == nil {
			t.Errorf("no recipe for %s", name)
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "delivery", r.Source.File)); err != nil {
			t.Errorf("recipe %s reads %s, which the delivery lacks", name, r.Source.File)
		}
	}
	if got := sortedKeys(p.Lookups); strings.Join(got, ",") != "anrede,kategorien,sprachen" {
		t.Errorf("lookups %v", got)
	}
	if p.Lookups["sprachen"]["Französisch"] != "FR" {
		t.Errorf("sprachen lookup %v", p.Lookups["sprachen"])
	}
	if p.Gate.MinRows["sales"] != 4500 {
		t.Errorf("gate %+v", p.Gate)
	}
}
