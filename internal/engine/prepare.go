package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/recipe"
	"github.com/handover/handover/internal/source"
	"github.com/handover/handover/internal/suggest"
)

// preparedEntity is one entity made ready to run: its source open, its recipe compiled.
type preparedEntity struct {
	entity  *format.Entity
	recipe  *recipe.Recipe
	file    string // source file inside the extraction
	reader  source.Reader
	program *recipe.Program
	// fieldColumns[i] lists the source columns that field i's expression
	// reads, for highlighting the bad cells of a reject.
	fieldColumns [][]string
	// converted[i]: field i's expression yields canonical text already.
	converted []bool
	// columnChanges describe how the source file's header moved since the
	// previous extraction.
	columnChanges []string
	// files are the paths inside the extraction the source reads (several
	// for a pattern); warnings what the reader noticed (renamed columns).
	files    []string
	warnings []string
}

// prepare opens every entity's source and compiles every recipe before any
// row is read, so that all configuration problems are reported at once.
func prepare(ctx context.Context, o Options) ([]*preparedEntity, error) {
	if err := o.Project.Format.Compile(); err != nil {
		return nil, &ConfigError{Err: err}
	}
	var prepared []*preparedEntity
	var problems []error
	for _, e := range o.Project.Format.Entities {
		pl, err := prepareEntity(ctx, o.Project.Recipes[e.Name], e, o, o.Project.Lookups)
		if err != nil {
			problems = append(problems, relative(err, o.Extraction.Dir, o.Project.Dir))
			continue
		}
		prepared = append(prepared, pl)
	}
	if len(problems) > 0 {
		closePrepared(prepared)
		return nil, &ConfigError{Err: errors.Join(problems...)}
	}
	return prepared, nil
}

func prepareEntity(ctx context.Context, r *recipe.Recipe, e *format.Entity, o Options, lookups recipe.Lookups) (*preparedEntity, error) {
	if r == nil {
		return nil, fmt.Errorf("entity %s has no recipe", e.Name)
	}
	rd, files, err := openSource(ctx, o.Extraction, r)
	if err != nil {
		return nil, err
	}
	changes := columnChanges(ctx, r, o.PreviousExtraction, rd.Columns())
	prog, err := recipe.Compile(r, e, rd.Columns(), lookups)
	if err != nil {
		rd.Close()
		if len(changes) > 0 {
			err = fmt.Errorf("%w\n%s", err, strings.Join(changes, "\n"))
		}
		return nil, err
	}
	return &preparedEntity{
		entity: e, recipe: r, file: r.SourcePath(), files: files, reader: rd, program: prog,
		fieldColumns: prog.FieldColumns(), converted: prog.Converted(r), columnChanges: changes,
		warnings: inExtraction(source.Warnings(rd), o.Extraction.Dir),
	}, nil
}

// inExtraction names the files in messages by their path inside the
// extraction.
func inExtraction(msgs []string, dir string) []string {
	prefix := strings.TrimRight(dir, string(os.PathSeparator)) + string(os.PathSeparator)
	for i, m := range msgs {
		msgs[i] = strings.ReplaceAll(m, prefix, "")
	}
	return msgs
}

// openSource opens a recipe's source in the extraction: one file, every
// file matching a pattern, or the snapshot of a database source. It
// returns the paths inside the extraction it reads.
func openSource(ctx context.Context, x *extract.Extraction, r *recipe.Recipe) (source.Reader, []string, error) {
	opts := SourceOptions(r.Source)
	name := r.SourcePath()
	if !r.Source.IsDatabase() && source.IsPattern(name) {
		local, names, err := x.Match(name)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: source: %w", r.Path, err)
		}
		files := make([]source.File, len(local))
		for i := range local {
			files[i] = source.File{Path: local[i], Name: names[i]}
		}
		source.SortFiles(files)
		rd, err := source.OpenFiles(ctx, files, opts)
		return rd, names, err
	}
	path, err := x.File(name)
	if err != nil {
		if r.Source.IsDatabase() {
			return nil, nil, fmt.Errorf("%s: source is a database: extraction %d holds no snapshot of it (run handover receive --databases)", r.Path, x.Number)
		}
		return nil, nil, fmt.Errorf("%s: source: %w", r.Path, err)
	}
	rd, err := source.Open(ctx, path, opts)
	return rd, []string{name}, err
}

// SourceOptions are the reading options of a recipe source. A database
// snapshot is canonical CSV: UTF-8, a header, `,`.
func SourceOptions(s recipe.Source) source.Options {
	if s.IsDatabase() {
		return source.Options{Encoding: "utf-8", Delimiter: ","}
	}
	return source.Options{
		Encoding: s.Encoding, Delimiter: s.Delimiter, Sheet: s.Sheet,
		HeaderRow: s.HeaderRow, SkipRows: s.SkipRows, FooterRows: s.FooterRows,
		NoHeader: s.NoHeader, Columns: s.Columns, Widths: s.Widths, Table: s.Table,
	}
}

// columnChanges compares a source file's header with the same file of the
// previous extraction: the most common cause of a broken second extraction.
func columnChanges(ctx context.Context, r *recipe.Recipe, prev *extract.Extraction, columns []string) []string {
	if prev == nil {
		return nil
	}
	rd, _, err := openSource(ctx, prev, r)
	if err != nil {
		return nil
	}
	before := rd.Columns()
	rd.Close()
	var out []string
	for _, c := range suggest.ColumnChanges(before, columns) {
		out = append(out, fmt.Sprintf("%s changed since extraction %d: %s", r.SourcePath(), prev.Number, c))
	}
	return out
}

func closePrepared(prepared []*preparedEntity) {
	for _, pl := range prepared {
		pl.reader.Close()
	}
}

func fieldIndex(e *format.Entity, name string) int {
	for i, f := range e.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// inputHashes lists the sha256 of every source file the run reads.
func inputHashes(x *extract.Extraction, prepared []*preparedEntity) map[string]string {
	byPath := make(map[string]string, len(x.Files))
	for _, f := range x.Files {
		byPath[f.Path] = f.SHA256
	}
	out := make(map[string]string, len(prepared))
	for _, pl := range prepared {
		for _, f := range pl.files {
			if h, ok := byPath[f]; ok {
				out[f] = "sha256:" + h
			}
		}
	}
	return out
}
