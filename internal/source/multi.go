package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
)

// FileColumn is the first column of a source read from several files: the
// name of the file each row comes from.
const FileColumn = "source_file"

// File is one file of a source made of several: Open (or, without one,
// the local file Path) opens it, Name is what rows and messages call it (a
// path inside the extraction).
type File struct {
	Path string
	Name string
	Open Opener
}

// input is how the readers open f.
func (f File) input(ctx context.Context) input {
	if f.Open == nil {
		return localInput(ctx, f.Path)
	}
	return input{ctx: ctx, name: f.Name, open: f.Open}
}

// IsPattern reports whether a source file name is a glob pattern.
func IsPattern(name string) bool { return strings.ContainsAny(name, "*?[") }

// Glob returns the local files matching pattern, in name order.
func Glob(pattern string) ([]File, error) {
	paths, err := filepath.Glob(pattern)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pattern, err)
	}
	files := make([]File, len(paths))
	for i, p := range paths {
		files[i] = File{Path: p, Name: p}
	}
	SortFiles(files)
	return files, nil
}

// SortFiles orders files by name, numbers compared as numbers
// (kontakte_2.csv before kontakte_10.csv).
func SortFiles(files []File) {
	slices.SortFunc(files, func(a, b File) int { return naturalCompare(a.Name, b.Name) })
}

// naturalCompare compares a and b with runs of digits compared by value.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digits(a), digits(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := len(na) - len(nb); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

func digits(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// multiReader reads several files of one entity, one after the other, as
// one source. Every file has the same layout (and header, when it has
// one); rows keep the line numbers of their own file and start with the
// file's name (FileColumn).
type multiReader struct {
	files    []File
	opts     Options
	cur      Reader
	idx      int
	columns  []string // of the files, without FileColumn
	all      []string // FileColumn + columns
	warnings []string
	doneSize int64 // bytes of the files already read
	total    int64
	encoding string
	delim    string
	repaired map[string]int // Repairs of the files already read
}

// OpenFiles opens files as one source (see multiReader). No file is an
// error; so is a file whose columns differ from the first file's.
func OpenFiles(ctx context.Context, files []File, opts Options) (Reader, error) {
	if len(files) == 0 {
		return nil, errors.New("no file matches")
	}
	m := &multiReader{files: files, opts: opts}
	for _, f := range files {
		r, err := m.open(ctx, f)
		if err != nil {
			return nil, err
		}
		_, size := r.Progress()
		m.total += size
		if m.columns == nil {
			m.columns = r.Columns()
			m.all = append([]string{FileColumn}, m.columns...)
			var renamed []string
			m.all, renamed = nameColumns(m.all)
			m.warnings = append(m.warnings, renamed...)
		}
		m.warnings = append(m.warnings, Warnings(r)...)
		r.Close()
	}
	cur, err := m.open(ctx, files[0])
	if err != nil {
		return nil, err
	}
	m.cur = cur
	return m, nil
}

// open opens one of the files and checks its columns.
func (m *multiReader) open(ctx context.Context, f File) (Reader, error) {
	r, err := openOne(ctx, f.input(ctx), m.opts)
	if err != nil {
		return nil, rename(err, f)
	}
	if m.columns != nil && !slices.Equal(r.Columns(), m.columns) {
		r.Close()
		return nil, fmt.Errorf("%s: its columns differ from %s's: %s", f.Name, m.files[0].Name, columnDiff(m.columns, r.Columns()))
	}
	return r, nil
}

// rename replaces the local path in err's message by the file's name.
func rename(err error, f File) error {
	if f.Path == f.Name || !strings.Contains(err.Error(), f.Path) {
		return err
	}
	return &renamedError{msg: strings.ReplaceAll(err.Error(), f.Path, f.Name), err: err}
}

// renamedError is an error whose message names a file differently.
type renamedError struct {
	msg string
	err error
}

func (e *renamedError) Error() string { return e.msg }
func (e *renamedError) Unwrap() error { return e.err }

// columnDiff says briefly how two headers differ.
func columnDiff(want, got []string) string {
	for i := range min(len(want), len(got)) {
		if want[i] != got[i] {
			return fmt.Sprintf("column %d is %q, not %q", i+1, got[i], want[i])
		}
	}
	return fmt.Sprintf("%d columns, not %d", len(got), len(want))
}

func (m *multiReader) Columns() []string  { return m.all }
func (m *multiReader) Warnings() []string { return m.warnings }

// Next returns the next row of the current file, moving on to the next
// file at its end.
func (m *multiReader) Next(ctx context.Context) (Row, error) {
	for {
		row, err := m.cur.Next(ctx)
		if err == nil {
			row.Values = append([]string{m.files[m.idx].Name}, row.Values...)
			return row, nil
		}
		if !errors.Is(err, io.EOF) {
			return Row{}, rename(err, m.files[m.idx])
		}
		if m.idx+1 >= len(m.files) {
			m.settle()
			return Row{}, io.EOF
		}
		if err := m.advance(ctx); err != nil {
			return Row{}, err
		}
	}
}

// advance closes the current file and opens the next.
func (m *multiReader) advance(ctx context.Context) error {
	m.settle()
	m.repaired = addRepairs(m.repaired, Repairs(m.cur))
	_, size := m.cur.Progress()
	m.doneSize += size
	m.cur.Close()
	m.cur = nil
	m.idx++
	r, err := m.open(ctx, m.files[m.idx])
	if err != nil {
		return err
	}
	m.cur = r
	return nil
}

// settle remembers what the current file was read as.
func (m *multiReader) settle() {
	if m.encoding == "" || m.encoding == "utf-8" {
		m.encoding = m.cur.Encoding()
	}
	m.delim = m.cur.Delimiter()
}

// Encoding is the first file's (or the first non-UTF-8 one's) encoding.
func (m *multiReader) Encoding() string {
	if m.cur != nil && (m.encoding == "" || m.encoding == "utf-8") {
		return m.cur.Encoding()
	}
	return m.encoding
}

func (m *multiReader) Delimiter() string {
	if m.cur != nil {
		return m.cur.Delimiter()
	}
	return m.delim
}

func (m *multiReader) Progress() (done, total int64) {
	if m.cur == nil {
		return m.doneSize, m.total
	}
	d, _ := m.cur.Progress()
	return m.doneSize + d, m.total
}

// Repairs sums the Repairs of the files read so far.
func (m *multiReader) Repairs() map[string]int {
	out := addRepairs(nil, m.repaired)
	if m.cur != nil {
		out = addRepairs(out, Repairs(m.cur))
	}
	return out
}

// addRepairs adds the counts of b to a (allocated when needed).
func addRepairs(a, b map[string]int) map[string]int {
	for k, n := range b {
		if a == nil {
			a = map[string]int{}
		}
		a[k] += n
	}
	return a
}

func (m *multiReader) Close() error {
	if m.cur == nil {
		return nil
	}
	err := m.cur.Close()
	m.cur = nil
	return err
}
