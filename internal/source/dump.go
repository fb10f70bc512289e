package source

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// dumpReader streams the rows of one table of a plain SQL dump: the COPY …
// FROM stdin blocks of pg_dump, or INSERT statements (pg_dump --inserts,
// mysqldump, mariadb-dump). Other statements are skipped as they are read;
// memory does not grow with the dump.
type dumpReader struct {
	in      *textInput
	lx      *lexer
	want    string // the table asked for
	table   string // the table's name as the dump writes it, once found
	columns []string
	created map[string][]string // table → columns of its CREATE TABLE
	seen    []string            // tables in order of appearance
	mode    dumpMode
	// index maps the columns of the current INSERT to Columns (nil: in
	// order).
	index []int
	rows  int
	// counts, when not nil, counts the rows of every table (peek) and
	// dataColumns keeps the columns their data names.
	counts      map[string]int64
	dataColumns map[string][]string
}

type dumpMode int

const (
	modeScan   dumpMode = iota // between statements
	modeCopy                   // inside the table's COPY data
	modeInsert                 // inside the table's INSERT … VALUES
	modeEOF
)

// openDump opens a dump and reads up to the start of table's data.
func openDump(ctx context.Context, src input, opts Options, d dialect) (Reader, error) {
	path := src.name
	if opts.layout() {
		return nil, fmt.Errorf("%s: a dump names its columns: header, columns, widths, skip_rows, header_row and footer_rows do not apply", path)
	}
	r, err := newDumpReader(src, opts, d)
	if err != nil {
		return nil, err
	}
	if opts.Table == "" {
		tables, err := r.listTables(ctx)
		r.Close()
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%s is a %s: say which table to read (source: {file: …, table: …}); its tables: %s", path, d, tableNames(tables))
	}
	if err := r.find(ctx); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func newDumpReader(src input, opts Options, d dialect) (*dumpReader, error) {
	path := src.name
	if opts.Encoding == "" {
		opts.Encoding = "utf-8" // what pg_dump and mysqldump write unless told otherwise
	}
	in, err := openText(src, opts)
	if err != nil {
		return nil, err
	}
	lx := &lexer{path: path, br: bufio.NewReaderSize(in.r, sampleSize), line: 1, dialect: d}
	return &dumpReader{in: in, lx: lx, want: opts.Table, created: map[string][]string{}}, nil
}

// find reads on until the table's data starts (or the dump ends after
// its CREATE TABLE: an empty table).
func (r *dumpReader) find(ctx context.Context) error {
	for r.mode == modeScan {
		if err := r.statement(ctx); err != nil {
			return err
		}
	}
	if r.table == "" {
		for name := range r.created {
			if r.matches(name) {
				r.table, r.columns = name, r.created[name]
			}
		}
	}
	if r.table == "" {
		return r.unknownTable()
	}
	return nil
}

func (r *dumpReader) unknownTable() error {
	var hint string
	for _, t := range r.seen {
		if strings.EqualFold(t, r.want) || strings.EqualFold(lastPart(t), r.want) {
			hint = fmt.Sprintf(" (did you mean %q?)", t)
		}
	}
	return fmt.Errorf("%s has no table %q%s; its tables: %s", r.in.path, r.want, hint, tableNames(r.seen))
}

func tableNames(tables []string) string {
	if len(tables) == 0 {
		return "none"
	}
	return strings.Join(tables, ", ")
}

func lastPart(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// matches reports whether a table name of the dump is the one asked for:
// the same name, or the same name without its schema.
func (r *dumpReader) matches(name string) bool {
	if r.table != "" {
		return name == r.table
	}
	return name == r.want || lastPart(name) == r.want
}

func (r *dumpReader) note(name string) {
	for _, t := range r.seen {
		if t == name {
			return
		}
	}
	if len(r.seen) < maxTables {
		r.seen = append(r.seen, name)
	}
}

// maxTables bounds the tables a dump's listing keeps.
const maxTables = 10000

// statement reads the next statement: the start of the table's data
// switches the mode, anything else is skipped.
func (r *dumpReader) statement(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("read %s: %w", r.in.path, err)
	}
	lx := r.lx
	if err := lx.skipSpace(); err != nil {
		if errors.Is(err, io.EOF) {
			r.mode = modeEOF
			return nil
		}
		return err
	}
	start := lx.line
	w, err := lx.word()
	if err != nil {
		return err
	}
	switch w {
	case "COPY":
		err = r.copyStatement()
	case "CREATE":
		err = r.createStatement()
	case "INSERT", "REPLACE":
		err = r.insertStatement()
	case "DELIMITER":
		err = r.skipDelimited()
	default:
		err = lx.skipStatement()
	}
	if errors.Is(err, io.EOF) || errors.Is(err, errTruncated) {
		if r.mode == modeScan {
			r.mode = modeEOF
		}
		return nil // a truncated statement outside the table's data
	}
	if err != nil {
		return fmt.Errorf("%s:%d: %w", r.in.path, start, err)
	}
	return nil
}

// skipDelimited skips what mysqldump writes between `DELIMITER ;;` and
// `DELIMITER ;`: stored routines and triggers, whose bodies hold `;`.
func (r *dumpReader) skipDelimited() error {
	line, _, err := r.lx.copyLine(r.lx.buf)
	r.lx.buf = line[:0]
	if err != nil || strings.TrimSpace(string(line)) == ";" {
		return err
	}
	for {
		line, _, err := r.lx.copyLine(r.lx.buf)
		r.lx.buf = line[:0]
		if err != nil {
			return err
		}
		if f := strings.Fields(string(line)); len(f) == 2 && strings.EqualFold(f[0], "DELIMITER") && f[1] == ";" {
			return nil
		}
	}
}

// copyStatement reads `COPY name (cols) FROM stdin;` and either enters the
// table's data or skips another table's.
func (r *dumpReader) copyStatement() error {
	name, err := r.lx.name()
	if err != nil {
		return err
	}
	cols, err := r.lx.columnList()
	if err != nil {
		return err
	}
	if err := r.lx.skipStatement(); err != nil {
		return err
	}
	r.lx.skipLine()
	r.note(name)
	if r.counts != nil && cols != nil {
		r.dataColumns[name] = cols
	}
	if r.want != "" && r.matches(name) {
		r.table, r.mode = name, modeCopy
		if r.columns == nil {
			r.columns = cols
		}
		if r.columns == nil {
			r.columns = r.created[name]
		}
		return nil
	}
	for {
		line, _, err := r.lx.copyLine(r.lx.buf)
		r.lx.buf = line[:0]
		if err != nil || string(line) == `\.` {
			return err
		}
		if r.counts != nil {
			r.counts[name]++
		}
	}
}

// createStatement records the columns of a CREATE TABLE.
func (r *dumpReader) createStatement() error {
	lx := r.lx
	for {
		if err := lx.skipSpace(); err != nil {
			return err
		}
		w, err := lx.word()
		if err != nil {
			return err
		}
		switch w {
		case "TABLE":
			return r.createTable()
		case "UNLOGGED", "TEMPORARY", "TEMP", "GLOBAL", "LOCAL", "OR", "REPLACE":
			continue
		}
		return lx.skipStatement()
	}
}

func (r *dumpReader) createTable() error {
	lx := r.lx
	name, err := lx.name()
	if err != nil {
		return err
	}
	if strings.EqualFold(name, "IF") {
		lx.word() // NOT
		lx.skipSpace()
		lx.word() // EXISTS
		if name, err = lx.name(); err != nil {
			return err
		}
	}
	cols, err := lx.columnDefs()
	if err != nil {
		return err
	}
	r.note(name)
	if len(r.created) < maxTables {
		r.created[name] = cols
	}
	return lx.skipStatement()
}

// insertStatement reads `INSERT INTO name [(cols)] VALUES` and either
// enters the table's rows or skips the statement.
func (r *dumpReader) insertStatement() error {
	lx := r.lx
	for {
		if err := lx.skipSpace(); err != nil {
			return err
		}
		w, err := lx.word()
		if err != nil {
			return err
		}
		if w == "INTO" {
			break
		}
		if w != "IGNORE" && w != "LOW_PRIORITY" && w != "DELAYED" && w != "HIGH_PRIORITY" {
			return lx.skipStatement()
		}
	}
	name, err := lx.name()
	if err != nil {
		return err
	}
	r.note(name)
	if r.counts != nil {
		return r.countInsert(name)
	}
	if r.want == "" || !r.matches(name) {
		return lx.skipStatement()
	}
	cols, err := lx.columnList()
	if err != nil {
		return err
	}
	if err := lx.skipSpace(); err != nil {
		return err
	}
	if w, err := lx.word(); err != nil || (w != "VALUES" && w != "VALUE") {
		if err != nil {
			return err
		}
		return lx.skipStatement() // INSERT … SELECT: nothing to read
	}
	r.table, r.mode = name, modeInsert
	if r.columns == nil {
		r.columns = cols
		if cols == nil {
			r.columns = r.created[name]
		}
	}
	r.index = nil
	if cols != nil && r.columns != nil {
		r.index = insertIndex(cols, r.columns)
	}
	return nil
}

// insertIndex maps the columns of one INSERT to the table's; -1 for a
// column the table does not have.
func insertIndex(cols, table []string) []int {
	idx := make([]int, len(cols))
	for i, c := range cols {
		idx[i] = -1
		for j, t := range table {
			if c == t {
				idx[i] = j
			}
		}
	}
	return idx
}

// Next returns the next row of the table.
func (r *dumpReader) Next(ctx context.Context) (Row, error) {
	r.rows++
	if r.rows%1024 == 0 {
		if err := ctx.Err(); err != nil {
			return Row{}, fmt.Errorf("read %s: %w", r.in.path, err)
		}
	}
	for {
		switch r.mode {
		case modeEOF:
			return Row{}, io.EOF
		case modeCopy:
			if row, ok, err := r.copyRow(); ok || err != nil {
				return row, err
			}
		case modeInsert:
			if row, ok, err := r.tuple(); ok || err != nil {
				return row, err
			}
		default:
			if err := r.statement(ctx); err != nil {
				return Row{}, err
			}
		}
	}
}

func (r *dumpReader) Columns() []string             { return r.columns }
func (r *dumpReader) Encoding() string              { return r.in.encName() }
func (r *dumpReader) Delimiter() string             { return "" }
func (r *dumpReader) Progress() (done, total int64) { return r.in.progress() }
func (r *dumpReader) Close() error                  { return r.in.file.Close() }

// DumpTable is one table of a dump, as peek lists it.
type DumpTable struct {
	Name    string   `json:"name"`
	Columns []string `json:"columns"`
	Rows    int64    `json:"rows"`
}

// listTables reads the whole dump and returns its tables in order.
func (r *dumpReader) listTables(ctx context.Context) ([]string, error) {
	for r.mode != modeEOF {
		if err := r.statement(ctx); err != nil {
			return nil, err
		}
	}
	return r.seen, nil
}

// countInsert counts the rows of an INSERT statement (peek).
func (r *dumpReader) countInsert(name string) error {
	cols, err := r.lx.columnList()
	if err != nil {
		return err
	}
	if cols != nil {
		r.dataColumns[name] = cols
	}
	r.lx.skipSpace()
	if w, err := r.lx.word(); err != nil || (w != "VALUES" && w != "VALUE") {
		if err != nil {
			return err
		}
		return r.lx.skipStatement()
	}
	for {
		row, more, err := r.readTuple()
		if err != nil {
			return err
		}
		if row.Line > 0 {
			r.counts[name]++
		}
		if !more {
			return nil
		}
	}
}

// PeekDump lists the tables of a dump with their columns and row counts,
// reading it once; ok is false when the file is no dump.
func PeekDump(ctx context.Context, path string, opts Options) (tables []DumpTable, dialectName string, ok bool, err error) {
	src := localInput(ctx, path)
	d, ok, err := sniffDump(src)
	if err != nil || !ok {
		return nil, "", ok, err
	}
	r, err := newDumpReader(src, opts, d)
	if err != nil {
		return nil, "", true, err
	}
	defer r.Close()
	r.counts, r.dataColumns = map[string]int64{}, map[string][]string{}
	names, err := r.listTables(ctx)
	if err != nil {
		return nil, "", true, err
	}
	for _, name := range names {
		cols := r.dataColumns[name]
		if cols == nil {
			cols = r.created[name]
		}
		tables = append(tables, DumpTable{Name: name, Columns: cols, Rows: r.counts[name]})
	}
	sort.Slice(tables, func(i, j int) bool { return tables[i].Name < tables[j].Name })
	return tables, d.String(), true, nil
}
