package app

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/handover/handover/internal/engine"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/recipe"
	"github.com/handover/handover/internal/source"
	"github.com/handover/handover/internal/suggest"
)

// Kinds of FileProblem.
const (
	ProblemMissingColumn   = "missing_column"    // the recipe reads a column the file lacks
	ProblemRenamedColumn   = "renamed_column"    // … and a column of the file looks like it
	ProblemExtraColumn     = "extra_column"      // the file has a column the recipe does not read
	ProblemDelimiter       = "delimiter"         // the file is delimited otherwise than the recipe says
	ProblemEncoding        = "encoding"          // the file is encoded otherwise than the recipe says
	ProblemNoRecipe        = "no_recipe"         // no recipe reads the file
	ProblemUnreadable      = "unreadable"        // the file cannot be read as its format
	ProblemCheckNotStarted = "check_not_started" // the delivery is stored, but its check was refused
	ProblemMissingFile     = "missing_file"      // a recipe's source file is not in the delivery
)

// DeliveredFile is what was detected of one file of a delivery, before
// any validation: how it is read, and how it fits its recipe.
type DeliveredFile struct {
	Name      string   // its path in the extraction
	Entity    string   // the entity whose recipe reads it; "" when none
	Size      int64    // bytes
	Format    string   // csv, xlsx, jsonl, fixed, dump
	Encoding  string   // utf-8, windows-1252, …; "" for xlsx
	Delimiter string   // csv only
	Header    int      // the line of the header row; 0: the file has none
	Columns   []string // the columns as read
	Rows      int64    // data rows (records after the header, footer rows left out)
	Problems  []FileProblem
}

// FileProblem is one mismatch between a delivered file and its recipe,
// in the customer's words.
type FileProblem struct {
	Kind    string // Problem…
	Column  string // the column the recipe expects (missing, renamed) or the file's (extra)
	Found   string // renamed: the file's column that looks like the expected one
	Message string
}

// detectDelivery detects the format of every staged file of a delivery
// and compares each with its recipe.
func detectDelivery(ctx context.Context, p *project.Project, staged []stagedFile) ([]DeliveredFile, []FileProblem) {
	files := make([]DeliveredFile, 0, len(staged))
	matched := map[string]bool{}
	for _, f := range staged {
		r := recipeFor(p, f.name)
		if r != nil {
			matched[r.Entity] = true
		}
		files = append(files, detectFile(ctx, r, f))
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	var problems []FileProblem
	for _, e := range p.Format.Entities {
		r := p.Recipes[e.Name]
		if r == nil || r.Source.IsDatabase() || matched[e.Name] {
			continue
		}
		problems = append(problems, FileProblem{Kind: ProblemMissingFile, Column: r.Source.File,
			Message: fmt.Sprintf("no file for %s: the delivery should hold %s", e.Name, r.Source.File)})
	}
	return files, problems
}

// recipeFor is the recipe that reads the file at name in the extraction,
// the first in the format's order; nil when none does.
func recipeFor(p *project.Project, name string) *recipe.Recipe {
	for _, e := range p.Format.Entities {
		r := p.Recipes[e.Name]
		if r == nil || r.Source.IsDatabase() {
			continue
		}
		pattern := path.Clean(strings.ReplaceAll(r.Source.File, `\`, "/"))
		if ok, _ := path.Match(pattern, name); ok {
			return r
		}
	}
	return nil
}

// detectFile reads how the file is encoded and delimited (detected, not
// taken from the recipe, so that a wrong one shows), its columns and rows,
// and compares them with what recipe r expects.
func detectFile(ctx context.Context, r *recipe.Recipe, f stagedFile) DeliveredFile {
	df := DeliveredFile{Name: f.name, Size: f.size, Columns: []string{}, Problems: []FileProblem{}}
	var opts source.Options
	if r != nil {
		df.Entity = r.Entity
		opts = engine.SourceOptions(r.Source)
		opts.Encoding, opts.Delimiter = "", ""
	} else {
		df.Problems = append(df.Problems, FileProblem{Kind: ProblemNoRecipe,
			Message: fmt.Sprintf("%s is not read by any entity of this migration: check its name", f.name)})
	}
	res, err := source.Peek(ctx, f.local, opts, 1)
	if res != nil {
		df.Format, df.Encoding, df.Delimiter = res.Format, res.Encoding, res.Delimiter
		df.Columns = append(df.Columns, res.Columns...)
	}
	if err != nil {
		df.Problems = append(df.Problems, FileProblem{Kind: ProblemUnreadable, Message: fmt.Sprintf("%s cannot be read: %v", f.name, unstaged(err, f))})
		return df
	}
	if df.Format == "dump" {
		return df
	}
	if !opts.NoHeader && len(opts.Columns) == 0 {
		df.Header = max(opts.HeaderRow, opts.SkipRows+1)
	}
	df.Rows = countRows(ctx, f, res, opts)
	if r != nil {
		df.Problems = append(df.Problems, formatProblems(r, &df)...)
		df.Problems = append(df.Problems, columnProblems(recipe.ReferencedColumns(r), df.Columns)...)
	}
	return df
}

// formatProblems compares the detected delimiter and encoding with those
// the recipe declares.
func formatProblems(r *recipe.Recipe, df *DeliveredFile) []FileProblem {
	var out []FileProblem
	if want := r.Source.Delimiter; want != "" && df.Format == "csv" && normDelimiter(want) != df.Delimiter {
		out = append(out, FileProblem{Kind: ProblemDelimiter,
			Message: fmt.Sprintf("the file is separated by %s, but %s should be separated by %s", delimiterName(df.Delimiter), df.Name, delimiterName(normDelimiter(want)))})
	}
	want, got := normEncoding(r.Source.Encoding), df.Encoding
	if want != "" && got != "" && want != got && (want == "utf-8") != (got == "utf-8" || got == "") {
		out = append(out, FileProblem{Kind: ProblemEncoding,
			Message: fmt.Sprintf("the file is encoded as %s, but %s should be %s", got, df.Name, want)})
	}
	return out
}

func normDelimiter(s string) string {
	switch strings.ToLower(s) {
	case `\t`, "tab":
		return "\t"
	}
	return s
}

func delimiterName(d string) string {
	switch d {
	case "\t":
		return "tabs"
	case ",":
		return `commas ","`
	case ";":
		return `semicolons ";"`
	case "|":
		return `bars "|"`
	}
	return fmt.Sprintf("%q", d)
}

func normEncoding(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "utf8", "utf-8":
		return "utf-8"
	case "cp1252", "windows-1252":
		return "windows-1252"
	case "latin1", "latin-1", "iso-8859-1":
		return "iso-8859-1"
	}
	return strings.ToLower(strings.TrimSpace(s))
}

// columnProblems lists the expected columns the file lacks — with the
// file's column that looks like each, when one does — and the file's
// columns no recipe expression reads.
func columnProblems(expected, columns []string) []FileProblem {
	have := map[string]bool{}
	for _, c := range columns {
		have[c] = true
	}
	want := map[string]bool{}
	var missing []string
	for _, c := range expected {
		want[c] = true
		if !have[c] {
			missing = append(missing, c)
		}
	}
	var extra []string
	for _, c := range columns {
		if !want[c] {
			extra = append(extra, c)
		}
	}
	renamed := suggest.Renames(missing, extra)
	used := map[string]bool{}
	var out []FileProblem
	for _, c := range missing {
		if found, ok := renamed[c]; ok {
			used[found] = true
			out = append(out, FileProblem{Kind: ProblemRenamedColumn, Column: c, Found: found,
				Message: fmt.Sprintf("column %q is missing; is it %q? rename that column to %q", c, found, c)})
			continue
		}
		out = append(out, FileProblem{Kind: ProblemMissingColumn, Column: c, Message: fmt.Sprintf("column %q is missing", c)})
	}
	for _, c := range extra {
		if !used[c] {
			out = append(out, FileProblem{Kind: ProblemExtraColumn, Column: c,
				Message: fmt.Sprintf("column %q is not used by the import (it is ignored)", c)})
		}
	}
	return out
}

// countRows counts the data rows of a file: for text, the records (CSV)
// or lines counted while it was staged, less those before the first data
// row and the footer; otherwise by reading them.
func countRows(ctx context.Context, f stagedFile, res *source.PeekResult, opts source.Options) int64 {
	if len(res.Rows) == 0 {
		return 0
	}
	text := res.Format == "csv" || res.Format == "jsonl" || res.Format == "fixed"
	if text && !strings.HasPrefix(res.Encoding, "utf-16") && !strings.HasSuffix(strings.ToLower(f.name), ".gz") {
		n := f.lines
		if res.Format == "csv" {
			n = f.records
		}
		before := int64(0)
		if len(res.Lines) > 0 {
			before = int64(res.Lines[0] - 1)
		}
		return max(n-before-int64(opts.FooterRows), 0)
	}
	rd, err := source.Open(ctx, f.local, opts)
	if err != nil {
		return 0
	}
	defer rd.Close()
	var n int64
	for {
		if _, err := rd.Next(ctx); err != nil {
			return n
		}
		n++
	}
}

// unstaged names the file by its delivered name in a reader's message
// instead of its staged one.
func unstaged(err error, f stagedFile) string {
	return strings.ReplaceAll(err.Error(), f.local, f.name)
}
