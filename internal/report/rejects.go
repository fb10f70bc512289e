// Package report writes what a run leaves for people: the rejects files a
// customer opens in Excel to fix their rows, the per-column profile of the
// source, and the self-contained report.html.
package report

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/handover/handover/internal/format"
)

// bom is the UTF-8 byte order mark Excel needs to open a CSV file as UTF-8.
const bom = "\ufeff"

// errorSep joins the messages of one row's problems in the errors column.
const errorSep = " | "

// RejectsPath is the artifact path of an entity's rejects CSV.
func RejectsPath(entity string) string { return path.Join("rejects", entity+".csv") }

// CellsPath is the artifact path of an entity's rejects cells sidecar: JSON
// Lines, one {"line":12,"columns":["Geburtsdatum"]} per rejected row that
// has source columns to highlight. WriteRejectsXLSX uses it to mark the
// cells that failed; the CSV keeps the columns DESIGN.md promises.
func CellsPath(entity string) string { return path.Join("rejects", entity+".cells.jsonl") }

// RejectRow is one rejected row as written to and read from a rejects file.
type RejectRow struct {
	Line    int      // line of the row in its source file
	Errors  string   // the messages of the row's problems joined with " | "
	Values  []string // the source values in source order; a ragged row keeps its length
	Columns []string // source columns whose values failed; nil when unknown
	Rules   []string // the rule key ("field/rule") of each problem, in the order of Errors; nil when unknown
}

// cellsRecord is one line of the cells sidecar.
type cellsRecord struct {
	Line    int      `json:"line"`
	Columns []string `json:"columns,omitempty"`
	Rules   []string `json:"rules,omitempty"`
}

// RejectsWriter writes an entity's rejects CSV: columns `line`, `errors`,
// then the source columns in source order; UTF-8 with a byte order mark,
// `,` delimiter, RFC 4180 quoting and CRLF line ends. Every cell, headers
// and errors included, is neutralised against spreadsheet formula
// injection (see Neutralize). It is not safe for concurrent use.
type RejectsWriter struct {
	csv   *CSVWriter
	cells *json.Encoder // nil: no sidecar
	rec   []string
}

// NewRejectsWriter writes the header of a rejects CSV to w. cells receives
// the cells sidecar (see CellsPath); it may be nil.
func NewRejectsWriter(w io.Writer, columns []string, cells io.Writer) (*RejectsWriter, error) {
	if _, err := io.WriteString(w, bom); err != nil {
		return nil, fmt.Errorf("write rejects header: %w", err)
	}
	r := &RejectsWriter{csv: NewCSVWriter(w)}
	if cells != nil {
		r.cells = json.NewEncoder(cells)
	}
	header := append([]string{"line", "errors"}, columns...)
	if err := r.writeRecord(header); err != nil {
		return nil, fmt.Errorf("write rejects header: %w", err)
	}
	return r, nil
}

// Write appends one rejected row: its source line, its problems and exactly
// the values it had (a ragged row's extra values go in extra cells, missing
// ones are simply absent). badColumns names the source columns whose values
// made the row fail; they go to the cells sidecar, when there is one.
func (r *RejectsWriter) Write(line int, problems []format.Problem, values []string, badColumns []string) error {
	rec := append(r.rec[:0], strconv.Itoa(line), JoinProblems(problems))
	rec = append(rec, values...)
	r.rec = rec
	if err := r.writeRecord(rec); err != nil {
		return fmt.Errorf("write reject of line %d: %w", line, err)
	}
	if r.cells == nil || (len(badColumns) == 0 && len(problems) == 0) {
		return nil
	}
	if err := r.cells.Encode(cellsRecord{Line: line, Columns: dedupe(badColumns), Rules: ruleKeys(problems)}); err != nil {
		return fmt.Errorf("write reject cells of line %d: %w", line, err)
	}
	return nil
}

// Close flushes what is buffered. It does not close the underlying writers.
func (r *RejectsWriter) Close() error {
	if err := r.csv.Flush(); err != nil {
		return fmt.Errorf("flush rejects: %w", err)
	}
	return nil
}

func (r *RejectsWriter) writeRecord(rec []string) error {
	for i, v := range rec {
		rec[i] = Neutralize(v)
	}
	return r.csv.Write(rec)
}

// ruleKeys lists the rule key of each problem ("field/rule").
func ruleKeys(problems []format.Problem) []string {
	if len(problems) == 0 {
		return nil
	}
	keys := make([]string, len(problems))
	for i, p := range problems {
		keys[i] = p.RuleKey()
	}
	return keys
}

// JoinProblems joins the problems' messages with " | ", as in the errors
// column of a rejects file.
func JoinProblems(problems []format.Problem) string {
	msgs := make([]string, len(problems))
	for i, p := range problems {
		msgs[i] = p.Message
	}
	return strings.Join(msgs, errorSep)
}

func dedupe(cols []string) []string {
	out := make([]string, 0, len(cols))
	for _, c := range cols {
		if !contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// ReadRejects reads a rejects CSV written by RejectsWriter. It returns the
// source columns (without `line` and `errors`) and the rows with their
// values restored as they were before neutralisation (see Neutralize).
// Values come back byte for byte, line breaks and lone CRs included.
func ReadRejects(r io.Reader) (columns []string, rows []RejectRow, err error) {
	return ReadFirstRejects(r, 0)
}

// ReadFirstRejects is ReadRejects that stops after limit rows (all of
// them for limit ≤ 0), so that a sample costs no more than its size.
func ReadFirstRejects(r io.Reader, limit int) (columns []string, rows []RejectRow, err error) {
	cr := newCSVReader(skipBOM(r))
	header, _, err := cr.read()
	if errors.Is(err, io.EOF) {
		return nil, nil, errors.New("read rejects: empty file, no header")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read rejects: %w", err)
	}
	restoreAll(header)
	if len(header) < 2 || header[0] != "line" || header[1] != "errors" {
		return nil, nil, fmt.Errorf("read rejects: line 1: header must start with line,errors, got %q", header)
	}
	for {
		if limit > 0 && len(rows) == limit {
			return header[2:], rows, nil
		}
		rec, fileLine, err := cr.read()
		if errors.Is(err, io.EOF) {
			return header[2:], rows, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read rejects: %w", err)
		}
		row, err := parseRejectRecord(rec)
		if err != nil {
			return nil, nil, fmt.Errorf("read rejects: line %d: %w", fileLine, err)
		}
		rows = append(rows, row)
	}
}

func parseRejectRecord(rec []string) (RejectRow, error) {
	restoreAll(rec)
	if len(rec) < 2 {
		return RejectRow{}, fmt.Errorf("want at least 2 fields (line, errors), got %d", len(rec))
	}
	line, err := strconv.Atoi(rec[0])
	if err != nil {
		return RejectRow{}, fmt.Errorf("line %q is not a number", rec[0])
	}
	return RejectRow{Line: line, Errors: rec[1], Values: rec[2:]}, nil
}

func restoreAll(rec []string) {
	for i, v := range rec {
		rec[i] = Restore(v)
	}
}

// ReadRejectCells reads a cells sidecar (see CellsPath) and sets the
// Columns and Rules of the rows with the same line.
func ReadRejectCells(r io.Reader, rows []RejectRow) error {
	byLine := make(map[int][]string)
	rules := make(map[int][]string)
	dec := json.NewDecoder(r)
	for n := 1; ; n++ {
		var rec cellsRecord
		err := dec.Decode(&rec)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read reject cells: record %d: %w", n, err)
		}
		if len(rec.Columns) > 0 {
			byLine[rec.Line] = append(byLine[rec.Line], rec.Columns...)
		}
		rules[rec.Line] = append(rules[rec.Line], rec.Rules...)
	}
	for i := range rows {
		if cols, ok := byLine[rows[i].Line]; ok {
			rows[i].Columns = dedupe(cols)
		}
		if rs := rules[rows[i].Line]; len(rs) > 0 {
			rows[i].Rules = rs
		}
	}
	return nil
}

// skipBOM returns r without a leading UTF-8 byte order mark.
func skipBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if head, _ := br.Peek(len(bom)); string(head) == bom {
		_, _ = br.Discard(len(bom))
	}
	return br
}
