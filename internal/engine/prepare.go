package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/protocol"
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
	// skip, set for an import into an environment that keeps skip data,
	// lets the workers leave unchanged raw rows out of the transform.
	skip *skipper
	// refHints, set with skip, lets the workers look up a skipped row's
	// references in the referenced entities' skip indexes (refhints.go).
	refHints refHints
}

// prepare opens every entity's source and compiles every recipe before any
// row is read, so that all configuration problems are reported at once.
func prepare(ctx context.Context, o *execution) ([]*preparedEntity, error) {
	if err := o.spec.Format.Compile(); err != nil {
		return nil, &ConfigError{Err: err}
	}
	var prepared []*preparedEntity
	var problems []error
	for _, e := range o.spec.Format.Entities {
		pl, err := prepareEntity(ctx, o.spec.Recipes[e.Name], e, o, o.spec.Lookups)
		if err != nil {
			problems = append(problems, relative(err, o.Extraction.Dir, o.spec.Dir))
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

func prepareEntity(ctx context.Context, r *recipe.Recipe, e *format.Entity, o *execution, lookups recipe.Lookups) (*preparedEntity, error) {
	if r == nil {
		return nil, fmt.Errorf("entity %s has no recipe", e.Name)
	}
	rd, files, err := openSource(ctx, o.reads, r)
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
// file matching a pattern, or the snapshot of a database source. Every
// file is read from the extraction's store through reads, which hashes it
// as it is read and fails the read of a file that no longer matches the
// manifest. It returns the paths inside the extraction it reads.
func openSource(ctx context.Context, reads *extract.Reads, r *recipe.Recipe) (source.Reader, []string, error) {
	x := reads.Extraction()
	opts := SourceOptions(r.Source)
	name := r.SourcePath()
	if !r.Source.IsDatabase() && source.IsPattern(name) {
		names, err := x.Match(name)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: source: %w", r.Path, err)
		}
		files := make([]source.File, len(names))
		for i, n := range names {
			files[i] = source.File{Name: n, Open: reads.Opener(n)}
		}
		source.SortFiles(files)
		rd, err := source.OpenFiles(ctx, files, opts)
		return rd, names, err
	}
	f, err := x.Lookup(name)
	if err != nil {
		if r.Source.IsDatabase() {
			return nil, nil, fmt.Errorf("%s: source is a database: extraction %d holds no snapshot of it (run handover receive --databases)", r.Path, x.Number)
		}
		return nil, nil, fmt.Errorf("%s: source: %w", r.Path, err)
	}
	rd, err := source.OpenFile(ctx, source.File{Name: f.Path, Open: reads.Opener(f.Path)}, opts)
	return rd, []string{f.Path}, err
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
	rd, _, err := openSource(ctx, prev.Reads(), r)
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

// measureInputs records the hash of every source file the run read,
// measured while it was read (a file a reader did not read to its end is
// read once more), and fails the run when a file no longer matches the
// extraction's manifest, naming it.
func measureInputs(ctx context.Context, reads *extract.Reads, prepared []*preparedEntity, p *protocol.Protocol) error {
	for _, pl := range prepared {
		for _, f := range pl.files {
			if err := reads.Measure(ctx, f); err != nil {
				return err
			}
		}
	}
	if err := reads.Err(); err != nil {
		return err
	}
	measured := reads.Measured()
	for _, pl := range prepared {
		for _, f := range pl.files {
			p.Hashes.Inputs[f] = measured[f]
		}
	}
	return nil
}
