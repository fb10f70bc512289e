package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// acmeWithoutRecipes copies the example project without its recipes.
func acmeWithoutRecipes(t *testing.T) string {
	t.Helper()
	src := filepath.Join("..", "..", "examples", "acme")
	dir := filepath.Join(t.TempDir(), "acme")
	for _, f := range []string{"handover.yaml", "format.yaml"} {
		copyFile(t, filepath.Join(src, f), filepath.Join(dir, f))
	}
	if err := os.MkdirAll(filepath.Join(dir, "recipes"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSuggestThenCheck drafts every recipe of the example project and runs
// check on the drafts as they are.
func TestSuggestThenCheck(t *testing.T) {
	dir := acmeWithoutRecipes(t)
	delivery := filepath.Join("..", "..", "examples", "acme", "delivery")
	for _, c := range []struct{ file, entity string }{
		{"firmen.csv", "structures"}, {"kontakte.csv", "contacts"}, {"verkaeufe.csv", "sales"},
	} {
		out := mustRun(t, "-C", dir, "suggest", filepath.Join(delivery, c.file), "-o", filepath.Join(dir, "recipes", c.entity+".yaml"))
		if !strings.Contains(out, "wrote "+filepath.Join(dir, "recipes", c.entity+".yaml")+": "+c.entity) {
			t.Errorf("suggest %s: %s", c.file, out)
		}
	}
	for _, table := range []string{"contacts_salutation", "contacts_category", "contacts_language"} {
		data, err := os.ReadFile(filepath.Join(dir, "lookups", table+".csv"))
		if err != nil || !strings.HasPrefix(string(data), "from,to\n") {
			t.Errorf("lookup %s: %v %q", table, err, data)
		}
	}
	// suggest wrote a first fixture test per recipe, and it passes.
	if out := mustRun(t, "-C", dir, "test"); !strings.Contains(out, "3 cases: 3 passed, 0 failed") {
		t.Errorf("the drafted tests: %s", out)
	}
	mustRun(t, "-C", dir, "receive", delivery)
	p := checkJSON(t, dir)
	reads := map[string]int64{}
	for _, e := range p.Entities {
		reads[e.Name] = e.Read
		if e.Name != "contacts" {
			continue
		}
		// categories the draft could not map are rejected naming the value;
		// salutations and languages were all mapped
		r := e.RejectsByRule
		if r["category/lookup"] == 0 || r["salutation/lookup"] != 0 || r["language/lookup"] != 0 {
			t.Errorf("contacts rejects %v", r)
		}
	}
	if reads["structures"] != 300 || reads["contacts"] != 2000 || reads["sales"] != 5000 {
		t.Errorf("rows read %v", reads)
	}
	code, _, errOut := runCLI(t, nil, "-C", dir, "suggest", filepath.Join(delivery, "firmen.csv"), "-o", filepath.Join(dir, "recipes", "structures.yaml"))
	if code != 2 || !strings.Contains(errOut, "--force") {
		t.Errorf("an existing recipe was replaced without --force: exit %d %q", code, errOut)
	}
}

func TestSuggestJSON(t *testing.T) {
	dir := acmeWithoutRecipes(t)
	file := filepath.Join("..", "..", "examples", "acme", "delivery", "verkaeufe.csv")
	out := mustRun(t, "-C", dir, "suggest", file, "--json", "--sample", "200")
	var got struct {
		Entity  string `json:"entity"`
		Sampled int    `json:"rows_sampled"`
		Fields  []struct {
			Field      string   `json:"field"`
			Column     string   `json:"column"`
			Expr       string   `json:"expr"`
			Confidence float64  `json:"confidence"`
			Evidence   []string `json:"evidence"`
		} `json:"fields"`
		Unused []string `json:"unused_columns"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.Entity != "sales" || got.Sampled != 200 || len(got.Fields) != 7 || strings.Join(got.Unused, ",") != "Menge" {
		t.Fatalf("suggest --json: %s", out)
	}
	amount := got.Fields[4]
	if amount.Field != "amount" || amount.Column != "Betrag" || amount.Confidence < 0.8 || len(amount.Evidence) == 0 {
		t.Errorf("amount: %+v", amount)
	}
	stdout := mustRun(t, "-C", dir, "suggest", file, "--entity", "sales")
	if !strings.HasPrefix(stdout, "# Draft recipe") || !strings.Contains(stdout, "entity: sales") {
		t.Errorf("suggest without -o prints the draft:\n%s", stdout)
	}
	code, _, errOut := runCLI(t, nil, "-C", dir, "suggest", file, "--entity", "nope")
	if code == 0 || !strings.Contains(errOut, "entities: structures, contacts, sales") {
		t.Errorf("unknown entity: exit %d %q", code, errOut)
	}
}
