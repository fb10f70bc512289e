package source

import (
	"strings"
	"testing"
)

// TestCSVMalformedLineIsRowProblem: a malformed quoted field is a problem
// of its own line; reading resumes with the next line, so one bad line
// never swallows the following ones nor fails the file.
func TestCSVMalformedLineIsRowProblem(t *testing.T) {
	tests := []struct {
		name     string
		content  string
		lines    []int
		problems []string // "" for a good row; else a part of the problem
		values   [][]string
	}{
		{"text after closing quote", "id,name,note\n1,a,b\n3,\"x\"y,z\n4,d,e\n",
			[]int{2, 3, 4}, []string{"", "text after the closing quote", ""},
			[][]string{{"1", "a", "b"}, {"3", `"x"y`, "z"}, {"4", "d", "e"}}},
		{"formula with quotes", "id,link,note\n1,=HYPERLINK(\"http://evil\",\"x\"),n\n2,b,c\n3,\"q\",r\n4,\"l1\nl2\",s\n",
			[]int{2, 3, 4, 5}, []string{"text after the closing quote", "", "", ""},
			[][]string{{"1", `=HYPERLINK("http://evil"`, `"x")`, "n"}, {"2", "b", "c"}, {"3", "q", "r"}, {"4", "l1\nl2", "s"}}},
		{"stray quote lines later", "id,name\n1,\"abc\n2,def\n3,\"ghi\"x\n4,ok\n",
			[]int{2, 3, 4, 5}, []string{"lines 2-4", "", "text after the closing quote", ""},
			[][]string{{"1", `"abc`}, {"2", "def"}, {"3", `"ghi"x`}, {"4", "ok"}}},
		{"never closed", "id,name\n1,2\n3,\"open\n4,5\n6,7\n",
			[]int{2, 3, 4, 5}, []string{"", "never closed", "", ""},
			[][]string{{"1", "2"}, {"3", `"open`}, {"4", "5"}, {"6", "7"}}},
		{"stray quote in quoted field", "a;b\n\"Müller \"Hans\" AG\";x\n2;y\n",
			[]int{2, 3}, []string{"text after the closing quote", ""},
			[][]string{{`"Müller "Hans" AG"`, "x"}, {"2", "y"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, rows := mustReadAll(t, writeFile(t, "k.csv", []byte(tc.content)), Options{Encoding: "utf-8"})
			if !equal(lines(rows), tc.lines) {
				t.Fatalf("lines %v, want %v (rows %q)", lines(rows), tc.lines, values(rows))
			}
			for i, r := range rows {
				if want := tc.problems[i]; want == "" && r.Problem != "" || !strings.Contains(r.Problem, want) {
					t.Errorf("line %d: problem %q, want %q", r.Line, r.Problem, want)
				}
			}
			if !equal(values(rows), tc.values) {
				t.Errorf("values %q, want %q", values(rows), tc.values)
			}
		})
	}
}
