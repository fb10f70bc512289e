package bench

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestNotesHoldTheAnalysis checks that bench/NOTES.md, which
// `bench/run.sh --report` appends to the measured tables, holds the whole
// analysis of docs/BENCHMARKS.md: every ### section (a section written
// only into docs/BENCHMARKS.md would be dropped by the next report), each
// number once, and the same text, so that the report reproduces it.
func TestNotesHoldTheAnalysis(t *testing.T) {
	doc, err := os.ReadFile("../docs/BENCHMARKS.md")
	if err != nil {
		t.Fatal(err)
	}
	notes, err := os.ReadFile("NOTES.md")
	if err != nil {
		t.Fatal(err)
	}
	analysis, ok := analysisOf(string(doc))
	if !ok {
		t.Fatal("docs/BENCHMARKS.md has no \"## Analysis\" section")
	}
	docSections, noteSections := sections(analysis), sections(string(notes))
	for _, h := range order(analysis) {
		if _, ok := noteSections[h]; !ok {
			t.Errorf("docs/BENCHMARKS.md's section %q is not in bench/NOTES.md: the next `bench/run.sh --report` drops it", h)
		}
	}
	for _, h := range order(string(notes)) {
		if _, ok := docSections[h]; !ok {
			t.Errorf("bench/NOTES.md's section %q is not in docs/BENCHMARKS.md (run `bench/run.sh --report`, or copy it)", h)
		} else if strings.TrimRight(docSections[h], "\n") != strings.TrimRight(noteSections[h], "\n") {
			t.Errorf("section %q differs between docs/BENCHMARKS.md and bench/NOTES.md:\n%s", h, firstDifference(docSections[h], noteSections[h]))
		}
	}
	if !t.Failed() && analysis != string(notes) {
		t.Errorf("docs/BENCHMARKS.md's analysis and bench/NOTES.md hold the same sections but differ (their order, or text before the first section):\n%s",
			firstDifference(analysis, string(notes)))
	}
	for _, problem := range numbering(string(notes)) {
		t.Error("bench/NOTES.md: " + problem)
	}
}

// analysisOf returns docs/BENCHMARKS.md from its "## Analysis" heading on:
// what the report appends from bench/NOTES.md.
func analysisOf(doc string) (string, bool) {
	if strings.HasPrefix(doc, "## Analysis\n") {
		return doc, true
	}
	i := strings.Index(doc, "\n## Analysis\n")
	if i < 0 {
		return "", false
	}
	return doc[i+1:], true
}

// sections maps each "## " or "### " heading to its text up to the next
// such heading ("#### " headings stay inside their section).
func sections(md string) map[string]string {
	out := map[string]string{}
	head, body := "", strings.Builder{}
	flush := func() {
		if head != "" {
			out[head] = body.String()
		}
		body.Reset()
	}
	for _, line := range strings.SplitAfter(md, "\n") {
		if h := heading(line); h != "" {
			flush()
			head = h
			continue
		}
		body.WriteString(line)
	}
	flush()
	return out
}

// order lists the headings of md in order.
func order(md string) []string {
	var out []string
	for _, line := range strings.Split(md, "\n") {
		if h := heading(line); h != "" {
			out = append(out, h)
		}
	}
	return out
}

func heading(line string) string {
	line = strings.TrimRight(line, "\n")
	if strings.HasPrefix(line, "## ") || strings.HasPrefix(line, "### ") {
		return line
	}
	return ""
}

var sectionNumber = regexp.MustCompile(`^(#+) (\d+)\. `)

// numbering reports ## / ### headings without a number (other than
// "## Analysis") and numbers used twice.
func numbering(md string) []string {
	var problems []string
	seen := map[string]string{}
	for _, h := range order(md) {
		m := sectionNumber.FindStringSubmatch(h)
		switch {
		case h == "## Analysis":
		case m == nil || m[1] != "###":
			problems = append(problems, "the section "+h+" is not a numbered ### subsection of the analysis")
		case seen[m[2]] != "":
			problems = append(problems, "section number "+m[2]+" is used twice: "+seen[m[2]]+" and "+h)
		default:
			seen[m[2]] = h
		}
	}
	return problems
}

// firstDifference shows the first line where a and b differ.
func firstDifference(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return fmt.Sprintf("line %d of the section\ndocs/BENCHMARKS.md: %s\nbench/NOTES.md:     %s", i+1, x, y)
		}
	}
	return "(no line differs: blank lines at the end)"
}
