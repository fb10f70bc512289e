package template

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/handover/handover/internal/docs"
	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/recipe"
)

func testFormat(t *testing.T) *format.Format {
	t.Helper()
	var long []string
	for i := 0; i < 60; i++ {
		long = append(long, fmt.Sprintf("VALUE_%02d", i))
	}
	src := `entities:
  - name: structures
    key: external_id
    fields:
      - {name: external_id, type: string, required: true, max_length: 40}
      - {name: zip, type: string, max_length: 10}
      - {name: phone, type: phone}
      - {name: branch, type: enum, values: [` + strings.Join(long, ", ") + `]}
  - name: contacts
    key: external_id
    fields:
      - {name: external_id, type: string, required: true}
      - {name: birth_date, type: date}
      - {name: created, type: datetime}
      - {name: revenue, type: decimal, scale: 2}
      - {name: visits, type: int, min: 0}
      - {name: newsletter, type: bool}
      - {name: category, type: enum, values: [VIP, REGULAR]}
      - {name: structure, type: ref, entity: structures}
`
	f, err := format.ParseFormat("format.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func openWorkbook(t *testing.T, f *format.Format, o Options) *excelize.File {
	t.Helper()
	var b bytes.Buffer
	if err := WriteWorkbook(&b, f.Entities, o); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

func TestWorkbookLayout(t *testing.T) {
	x := openWorkbook(t, testFormat(t), Options{Docs: docs.Options{PhoneRegion: "CH"}})
	if got := strings.Join(x.GetSheetList(), ","); got != "Instructions,structures,contacts,Lists" {
		t.Fatalf("sheets %s", got)
	}
	if x.GetActiveSheetIndex() != 0 {
		t.Errorf("active sheet %d, want the instructions", x.GetActiveSheetIndex())
	}
	if v, _ := x.GetSheetVisible("Lists"); v {
		t.Errorf("the lists sheet is visible")
	}
	rows, _ := x.GetRows("contacts")
	if got := strings.Join(rows[0], ","); got != "external_id,birth_date,created,revenue,visits,newsletter,category,structure" {
		t.Errorf("contacts header %s", got)
	}
	panes, err := x.GetPanes("contacts")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("header not frozen: %+v %v", panes, err)
	}
	style, _ := x.GetCellStyle("contacts", "A1")
	if s, _ := x.GetStyle(style); s == nil || s.Font == nil || !s.Font.Bold {
		t.Errorf("header not bold")
	}
	text, _ := x.GetRows("Instructions")
	if !strings.Contains(fmt.Sprint(text), "Sheet contacts") || !strings.Contains(fmt.Sprint(text), "DD.MM.YYYY") {
		t.Errorf("instructions lack the entity table or the date format:\n%v", text)
	}
}

func TestWorkbookColumns(t *testing.T) {
	x := openWorkbook(t, testFormat(t), Options{Docs: docs.Options{PhoneRegion: "CH"}})
	cases := []struct {
		sheet, col   string
		numFmt       int
		custom       string
		dvType       string
		formula      string
		inputContain string
	}{
		{"structures", "A", 49, "", "textLength", "", "required"},
		{"structures", "B", 49, "", "textLength", "", "at most 10 characters"},
		{"structures", "C", 49, "", "", "", "national number of CH"},
		{"structures", "D", 49, "", "list", "list_1", "One of a list"},
		{"contacts", "B", 0, "dd.mm.yyyy", "", "", "DD.MM.YYYY"},
		{"contacts", "C", 0, "dd.mm.yyyy hh:mm", "", "", "DD.MM.YYYY HH:mm"},
		{"contacts", "D", 0, "0.00", "decimal", "", "Number with 2 decimals"},
		{"contacts", "E", 1, "", "whole", "", "at least 0"},
		{"contacts", "F", 49, "", "list", `"yes,no"`, "Yes or no"},
		{"contacts", "G", 49, "", "list", `"VIP,REGULAR"`, "exactly one of: VIP, REGULAR"},
		{"contacts", "H", 49, "", "", "", "Reference to structures"},
	}
	dvs := map[string][]*excelize.DataValidation{}
	for _, s := range []string{"structures", "contacts"} {
		dvs[s], _ = x.GetDataValidations(s)
	}
	for _, c := range cases {
		t.Run(c.sheet+"!"+c.col, func(t *testing.T) {
			id, _ := x.GetColStyle(c.sheet, c.col)
			s, err := x.GetStyle(id)
			if err != nil {
				t.Fatal(err)
			}
			custom := ""
			if s.CustomNumFmt != nil {
				custom = *s.CustomNumFmt
			}
			if custom != c.custom || (c.custom == "" && s.NumFmt != c.numFmt) {
				t.Errorf("cell format %d %q, want %d %q", s.NumFmt, custom, c.numFmt, c.custom)
			}
			dv := findValidation(dvs[c.sheet], c.col)
			if dv == nil {
				t.Fatalf("no data validation on column %s", c.col)
			}
			if dv.Type != c.dvType || (c.formula != "" && dv.Formula1 != c.formula) {
				t.Errorf("validation %q %q, want %q %q", dv.Type, dv.Formula1, c.dvType, c.formula)
			}
			if dv.Prompt == nil || !strings.Contains(*dv.Prompt, c.inputContain) || len([]rune(*dv.Prompt)) > 255 {
				t.Errorf("input message %v lacks %q", dv.Prompt, c.inputContain)
			}
		})
	}
	names := x.GetDefinedName()
	if len(names) != 1 || names[0].Name != "list_1" || names[0].RefersTo != "Lists!$A$1:$A$60" {
		t.Errorf("defined names %+v", names)
	}
	values, _ := x.GetRows("Lists")
	if len(values) != 60 || values[59][0] != "VALUE_59" {
		t.Errorf("long list not on the lists sheet: %d rows", len(values))
	}
}

func findValidation(dvs []*excelize.DataValidation, col string) *excelize.DataValidation {
	for _, dv := range dvs {
		if strings.HasPrefix(dv.Sqref, col+"2:") {
			return dv
		}
	}
	return nil
}

// TestRecipesCompile checks that every identity recipe parses and compiles
// against the template's own columns.
func TestRecipesCompile(t *testing.T) {
	f := testFormat(t)
	for _, o := range []Options{{}, {Docs: docs.Options{PhoneRegion: "CH", TimeZone: "Europe/Zurich"}, Delimiter: ','}} {
		for _, e := range f.Entities {
			data := Recipe(e, CSVSource(e, o), o)
			r, err := recipe.ParseRecipe(e.Name+".yaml", data)
			if err != nil {
				t.Fatalf("%v\n%s", err, data)
			}
			if r.Entity != e.Name || len(r.Fields) != len(e.Fields) || r.Source.File != e.Name+".csv" {
				t.Errorf("recipe %+v", r)
			}
			columns := make([]string, len(e.Fields))
			for i, fd := range e.Fields {
				columns[i] = fd.Name
			}
			if _, err := recipe.Compile(r, e, columns, nil); err != nil {
				t.Errorf("%s does not compile: %v\n%s", e.Name, err, data)
			}
		}
	}
}

func TestExpr(t *testing.T) {
	f := testFormat(t)
	c := f.Entity("contacts")
	zone := Options{Docs: docs.Options{TimeZone: "Europe/Zurich", PhoneRegion: "DE"}}
	cases := []struct {
		field string
		o     Options
		want  string
	}{
		{"external_id", Options{}, `trim(col("external_id"))`},
		{"birth_date", Options{}, `date(trim(col("birth_date")), "DD.MM.YYYY", "YYYY-MM-DD")`},
		{"created", zone, `datetime(trim(col("created")), "DD.MM.YYYY HH:mm", "YYYY-MM-DD HH:mm:ss", "YYYY-MM-DD HH:mm", "YYYY-MM-DD", "Europe/Zurich")`},
	}
	for _, tc := range cases {
		if got := Expr(c.Field(tc.field), tc.o); got != tc.want {
			t.Errorf("Expr(%s) = %s, want %s", tc.field, got, tc.want)
		}
	}
	phone := f.Entity("structures").Field("phone")
	if got := Expr(phone, zone); got != `phone(trim(col("phone")), "DE")` {
		t.Errorf("phone: %s", got)
	}
	if got := Expr(phone, Options{}); got != `trim(col("phone"))` {
		t.Errorf("phone without region: %s", got)
	}
}

func TestSelect(t *testing.T) {
	f := testFormat(t)
	got, err := Select(f, []string{"contacts", "structures"})
	if err != nil || len(got) != 2 || got[0].Name != "structures" {
		t.Errorf("Select keeps format order: %v %v", got, err)
	}
	if _, err := Select(f, []string{"nope"}); err == nil || !strings.Contains(err.Error(), "structures, contacts") {
		t.Errorf("unknown entity: %v", err)
	}
}
