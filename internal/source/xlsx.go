package source

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// xlsxReader streams one sheet of an Excel workbook. It reads the sheet's
// XML itself (the workbook parts are small) so that it knows each cell's
// type and number format: text stays text, numbers are written without
// exponent notation, date-formatted numbers become dates.
type xlsxReader struct {
	path   string
	file   io.ReadCloser
	ra     *countingReaderAt
	size   int64
	wb     *workbook
	sheet  sheetRef
	body   io.ReadCloser
	dec    *xml.Decoder
	rowNum int
	done   bool
	// header is the number of columns once frame read the header (0
	// before) and limit the most columns a row keeps (see raggedMargin).
	header, limit int
}

// openXLSX opens a workbook and finds the sheet; every row with a value,
// the header included, is a row (frame reads the header).
func openXLSX(src input, opts Options) (*xlsxReader, error) {
	path := src.name
	f, size, err := src.openFile()
	if err != nil {
		return nil, err
	}
	ra, ok := f.(io.ReaderAt)
	if !ok {
		f.Close()
		return nil, fmt.Errorf("%s: a workbook is read at random, and this store's objects cannot be", path)
	}
	r := &xlsxReader{path: path, file: f, size: size, ra: &countingReaderAt{r: ra}, limit: maxXLSXColumns}
	if err := r.open(opts.Sheet); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func (r *xlsxReader) open(sheet string) error {
	zr, err := zip.NewReader(r.ra, r.size)
	if err != nil {
		return fmt.Errorf("%s: not a readable xlsx file: %w", r.path, err)
	}
	if r.wb, err = readWorkbook(zr, sharedStringsBudget(r.size)); err != nil {
		return fmt.Errorf("%s: not a readable xlsx file: %w", r.path, err)
	}
	if r.sheet, err = r.wb.sheet(sheet); err != nil {
		return fmt.Errorf("%s: %w", r.path, err)
	}
	if r.body, err = r.wb.open(r.sheet.part); err != nil {
		return fmt.Errorf("%s: sheet %q: %w", r.path, r.sheet.name, err)
	}
	r.dec = xml.NewDecoder(bufio.NewReaderSize(&markupGuard{r: r.body}, 64<<10))
	return nil
}

// emptyError is the error for a sheet without any value.
func (r *xlsxReader) emptyError() error {
	return fmt.Errorf("%s: sheet %q is empty", r.path, r.sheet.name)
}

func (r *xlsxReader) Columns() []string { return nil }

// maxXLSXColumns is Excel's last column, XFD.
const maxXLSXColumns = 16384

// raggedMargin is how many columns past the header a row may use and
// still be kept whole, as a ragged row. A row reaching further keeps the
// header's columns only and counts the others: a sparse cell far to the
// right never turns into thousands of empty values.
const raggedMargin = 16

// limitColumns tells the reader the header's width, once frame read it.
func (r *xlsxReader) limitColumns(header int) {
	r.header, r.limit = header, min(header+raggedMargin, maxXLSXColumns)
}

// sheetRow is one <row> as read: its values up to the column limit and
// how many non-empty values lay beyond it.
type sheetRow struct {
	num   int
	vals  []string
	extra int
}

// Next returns the next row with any value, without trailing empty cells
// (frame pads rows to the header). A row with values far beyond the
// header keeps the header's columns and says how many it left out.
func (r *xlsxReader) Next(ctx context.Context) (Row, error) {
	if err := ctx.Err(); err != nil {
		return Row{}, fmt.Errorf("read %s: %w", r.path, err)
	}
	row, err := r.nextRow()
	if err != nil {
		return Row{}, err
	}
	if row.extra == 0 {
		return Row{Line: row.num, Values: row.vals}, nil
	}
	n := r.header
	extra := row.extra
	for _, v := range row.vals[min(n, len(row.vals)):] {
		if v != "" {
			extra++
		}
	}
	vals := row.vals[:min(n, len(row.vals)):min(n, len(row.vals))]
	return Row{Line: row.num, Values: vals,
		Problem: fmt.Sprintf("the row has %d values beyond the header's %d columns", extra, n)}, nil
}

// nextRow returns the next row that has a value, without trailing empty
// cells.
func (r *xlsxReader) nextRow() (sheetRow, error) {
	for {
		row, err := r.readRow()
		if err != nil {
			return sheetRow{}, err
		}
		for len(row.vals) > 0 && row.vals[len(row.vals)-1] == "" {
			row.vals = row.vals[:len(row.vals)-1]
		}
		if len(row.vals) > 0 || row.extra > 0 {
			return row, nil
		}
	}
}

// readRow reads the next <row> element of the sheet.
func (r *xlsxReader) readRow() (sheetRow, error) {
	if r.done {
		return sheetRow{}, io.EOF
	}
	for {
		tok, err := r.dec.RawToken()
		if errors.Is(err, io.EOF) {
			r.done = true
			return sheetRow{}, io.EOF
		}
		if err != nil {
			return sheetRow{}, r.xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "row" {
				r.rowNum++
				if n, err := strconv.Atoi(attr(t, "r")); err == nil && n > 0 {
					r.rowNum = n
				}
				row := sheetRow{num: r.rowNum}
				err := r.rowCells(&row)
				return row, err
			}
		case xml.EndElement:
			if t.Name.Local == "sheetData" {
				r.done = true
				return sheetRow{}, io.EOF
			}
		}
	}
}

// rowCells reads the cells of a row up to its end tag, keeping the values
// of the first r.limit columns and counting the others.
func (r *xlsxReader) rowCells(row *sheetRow) error {
	col := 0
	for {
		tok, err := r.dec.RawToken()
		if err != nil {
			return r.xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "c" {
				continue
			}
			col++
			ref := attr(t, "r")
			if c, ok := columnIndex(ref); ok {
				col = c
			}
			if col > maxXLSXColumns {
				return r.columnError(ref)
			}
			v, err := r.cell(t)
			if err != nil {
				return err
			}
			switch {
			case v == "":
			case col > r.limit:
				row.extra++
			default:
				for len(row.vals) < col {
					row.vals = append(row.vals, "")
				}
				row.vals[col-1] = v
			}
		case xml.EndElement:
			if t.Name.Local == "row" {
				return nil
			}
		}
	}
}

// columnError names a cell past Excel's last column.
func (r *xlsxReader) columnError(ref string) error {
	if ref == "" {
		return fmt.Errorf("%s: sheet %q row %d has more than %d cells, Excel's limit", r.path, r.sheet.name, r.rowNum, maxXLSXColumns)
	}
	return fmt.Errorf("%s: sheet %q cell %s: the column is beyond XFD, Excel's last column", r.path, r.sheet.name, ref)
}

// cell reads one <c> element and returns its value as text.
func (r *xlsxReader) cell(start xml.StartElement) (string, error) {
	typ := attr(start, "t")
	style, _ := strconv.Atoi(attr(start, "s"))
	var v, inline strings.Builder
	in := ""
	phonetic := 0
	for {
		tok, err := r.dec.RawToken()
		if err != nil {
			return "", r.xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "rPh":
				phonetic++
			case "v", "t":
				in = t.Name.Local
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "c":
				return r.cellValue(typ, style, v.String(), inline.String(), start)
			case "rPh":
				phonetic--
			case "v", "t":
				in = ""
			}
		case xml.CharData:
			switch {
			case in == "v":
				v.Write(t)
			case in == "t" && phonetic == 0:
				inline.Write(t)
			}
			if v.Len()+inline.Len() > maxMarkupRun {
				return "", fmt.Errorf("%s: sheet %q cell %s holds more than %d MB", r.path, r.sheet.name, attr(start, "r"), maxMarkupRun>>20)
			}
		}
	}
}

// cellValue renders a cell by its type and number format.
func (r *xlsxReader) cellValue(typ string, style int, v, inline string, start xml.StartElement) (string, error) {
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= len(r.wb.strings) {
			return "", fmt.Errorf("%s:%d: cell %s refers to shared string %q that does not exist", r.path, r.rowNum, attr(start, "r"), v)
		}
		return r.wb.strings[i], nil
	case "inlineStr":
		return inline, nil
	case "str", "e":
		return v, nil
	case "b":
		switch strings.TrimSpace(v) {
		case "1":
			return "TRUE", nil
		case "0":
			return "FALSE", nil
		}
		return v, nil
	case "d":
		return isoCellDate(v), nil
	}
	switch f := r.wb.format(style); f.kind {
	case numPlain:
	case numPadded:
		return paddedText(v, f), nil
	default:
		return serialText(v, f.kind, r.wb.date1904), nil
	}
	return numberText(v), nil
}

// isoCellDate shortens an ISO 8601 date cell (t="d") like serialText.
func isoCellDate(v string) string {
	for _, layout := range []string{"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
				return t.Format("2006-01-02")
			}
			return t.Format("2006-01-02 15:04:05")
		}
	}
	return v
}

// xmlError describes a broken sheet. A sheet cut off inside a row is
// io.ErrUnexpectedEOF: io.EOF would read as the end of the rows.
func (r *xlsxReader) xmlError(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%s: sheet %q near row %d: %w", r.path, r.sheet.name, r.rowNum, err)
}

// attr returns the value of the attribute with the given local name.
func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// columnIndex turns a cell reference like "AB12" into its 1-based column;
// any column past XFD is maxXLSXColumns+1.
func columnIndex(ref string) (int, bool) {
	col := 0
	for i := 0; i < len(ref); i++ {
		c := ref[i] | 0x20
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
		if col > maxXLSXColumns {
			return maxXLSXColumns + 1, true
		}
	}
	return col, col > 0
}

func (r *xlsxReader) Encoding() string  { return "" }
func (r *xlsxReader) Delimiter() string { return "" }

// Progress counts the compressed bytes read from the file.
func (r *xlsxReader) Progress() (done, total int64) {
	if r.done {
		return r.size, r.size
	}
	return min(r.ra.n, r.size), r.size
}

func (r *xlsxReader) Close() error {
	if r.body != nil {
		r.body.Close()
	}
	return r.file.Close()
}

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	r io.ReaderAt
	n int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n += int64(n)
	return n, err
}
