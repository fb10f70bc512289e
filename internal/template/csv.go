package template

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"

	"github.com/handover/handover/internal/format"
)

// CSVFile is the template file name of an entity: <entity>.csv.
func CSVFile(entity string) string { return entity + ".csv" }

// WriteCSV writes one CSV template per entity into dir (created when
// missing): UTF-8 with a byte-order mark (so that Excel reads it as
// UTF-8), the header row of field names, the delimiter of o, CRLF line
// ends. It returns the files written.
func WriteCSV(dir string, entities []*format.Entity, o Options) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write csv template: %w", err)
	}
	var files []string
	for _, e := range entities {
		path := filepath.Join(dir, CSVFile(e.Name))
		if err := os.WriteFile(path, csvHeader(e, o.delimiter()), 0o644); err != nil {
			return files, fmt.Errorf("write csv template: %w", err)
		}
		files = append(files, path)
	}
	return files, nil
}

func csvHeader(e *format.Entity, delim rune) []byte {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	w.Comma, w.UseCRLF = delim, true
	names := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		names[i] = f.Name
	}
	_ = w.Write(names) // writes to a buffer: cannot fail
	w.Flush()
	return b.Bytes()
}
