package project

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"
)

// maxLookupProblems caps the problems reported for one lookup file.
const maxLookupProblems = 20

// parseLookup reads one lookup table: a CSV with header from,to (UTF-8,
// optional BOM, "," or ";" delimited). name is the file as shown in
// messages.
func parseLookup(name string, data []byte, errs *Errors) map[string]string {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		errs.Add(name, invalidUTF8Line(data), "not valid UTF-8 (save the table as CSV UTF-8)")
		return nil
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = lookupDelimiter(data)
	r.FieldsPerRecord = -1
	table := map[string]string{}
	lines := map[string]int{}
	problems := 0
	add := func(line int, format string, args ...any) {
		if problems++; problems <= maxLookupProblems {
			errs.Add(name, line, format, args...)
		}
	}
	for header := true; ; header = false {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			add(pe.Line, "invalid CSV: %v", pe.Err)
			break
		}
		line, _ := r.FieldPos(0)
		switch {
		case header:
			if len(rec) != 2 || !strings.EqualFold(strings.TrimSpace(rec[0]), "from") || !strings.EqualFold(strings.TrimSpace(rec[1]), "to") {
				add(line, "header must be from,to, not %s", strings.Join(rec, string(r.Comma)))
				return nil
			}
		case len(rec) != 2:
			add(line, "expected 2 values (from, to), got %d", len(rec))
		case rec[0] == "":
			add(line, "empty from value (an empty source value stays empty; it needs no lookup)")
		default:
			if first, dup := lines[rec[0]]; dup {
				add(line, "%q is mapped twice (first at line %d)", rec[0], first)
				continue
			}
			lines[rec[0]] = line
			table[rec[0]] = rec[1]
		}
	}
	if problems > maxLookupProblems {
		errs.Add(name, 0, "… and %d more problems", problems-maxLookupProblems)
	}
	return table
}

// lookupDelimiter is ";" when the header line has a ";" and no ",".
func lookupDelimiter(data []byte) rune {
	head, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.ContainsRune(head, ';') && !bytes.ContainsRune(head, ',') {
		return ';'
	}
	return ','
}

func invalidUTF8Line(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return bytes.Count(data[:i], []byte("\n")) + 1
		}
		i += size
	}
	return 0
}

// lookupFiles lists the *.csv files of dir, sorted by table name.
func lookupFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && strings.EqualFold(filepath.Ext(e.Name()), ".csv") {
			out = append(out, e.Name())
		}
	}
	sort.Slice(out, func(i, j int) bool { return tableName(out[i]) < tableName(out[j]) })
	return out, nil
}

// tableName is a lookup file's base name without .csv.
func tableName(file string) string {
	return strings.TrimSuffix(file, filepath.Ext(file))
}

// describeDir is how a directory of the project is shown in messages.
func describeDir(rel string) string {
	return fmt.Sprintf("%s/", strings.TrimSuffix(rel, "/"))
}
