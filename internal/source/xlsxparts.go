package source

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// workbook is what the reader needs from an xlsx package besides the
// sheet itself: sheet names and parts, shared strings, number formats.
type workbook struct {
	zr       *zip.Reader
	parts    map[string]*zip.File // by lower-case name
	sheets   []sheetRef
	date1904 bool
	strings  []string
	formats  []numFormat // per cell style (cellXfs index)
	budget   int64       // bytes the shared strings may take
}

type sheetRef struct{ name, part string }

type xmlRels struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

type xmlWorkbook struct {
	Pr struct {
		Date1904 string `xml:"date1904,attr"`
	} `xml:"workbookPr"`
	Sheets []struct {
		Name string `xml:"name,attr"`
		RID  string `xml:"id,attr"`
	} `xml:"sheets>sheet"`
}

type xmlStyles struct {
	NumFmts []struct {
		ID   int    `xml:"numFmtId,attr"`
		Code string `xml:"formatCode,attr"`
	} `xml:"numFmts>numFmt"`
	Xfs []struct {
		NumFmtID int `xml:"numFmtId,attr"`
	} `xml:"cellXfs>xf"`
}

// readWorkbook reads the workbook's sheet list, shared strings and styles.
func readWorkbook(zr *zip.Reader, stringsBudget int64) (*workbook, error) {
	wb := &workbook{zr: zr, budget: stringsBudget, parts: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		wb.parts[strings.ToLower(f.Name)] = f
	}
	wbPart := "xl/workbook.xml"
	var root xmlRels
	if err := wb.decode("_rels/.rels", &root); err == nil {
		for _, r := range root.Rels {
			if strings.HasSuffix(r.Type, "/officeDocument") {
				wbPart = resolvePart("", r.Target)
			}
		}
	}
	var x xmlWorkbook
	if err := wb.decode(wbPart, &x); err != nil {
		return nil, err
	}
	wb.date1904 = x.Pr.Date1904 == "1" || x.Pr.Date1904 == "true"
	var rels xmlRels
	relsPart := path.Join(path.Dir(wbPart), "_rels", path.Base(wbPart)+".rels")
	if err := wb.decode(relsPart, &rels); err != nil {
		return nil, err
	}
	targets := map[string]string{}
	dir := path.Dir(wbPart)
	for _, r := range rels.Rels {
		targets[r.ID] = resolvePart(dir, r.Target)
		switch {
		case strings.HasSuffix(r.Type, "/sharedStrings"):
			if err := wb.readStrings(targets[r.ID]); err != nil {
				return nil, err
			}
		case strings.HasSuffix(r.Type, "/styles"):
			if err := wb.readStyles(targets[r.ID]); err != nil {
				return nil, err
			}
		}
	}
	for _, s := range x.Sheets {
		wb.sheets = append(wb.sheets, sheetRef{name: s.Name, part: targets[s.RID]})
	}
	return wb, nil
}

// resolvePart resolves a relationship target against the folder of the
// part that names it.
func resolvePart(dir, target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Join(dir, target), "/")
}

// open opens a part of the package.
func (wb *workbook) open(name string) (io.ReadCloser, error) {
	f, ok := wb.parts[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("part %s is missing", name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("part %s: %w", name, err)
	}
	return rc, nil
}

// decode unmarshals a small XML part.
func (wb *workbook) decode(name string, v any) error {
	rc, err := wb.open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := xml.NewDecoder(bufio.NewReader(&partLimit{r: rc, name: name})).Decode(v); err != nil {
		return fmt.Errorf("part %s: %w", name, err)
	}
	return nil
}

// readStyles reads which cell styles format numbers as dates or times.
func (wb *workbook) readStyles(name string) error {
	var st xmlStyles
	if err := wb.decode(name, &st); err != nil {
		return err
	}
	custom := make(map[int]string, len(st.NumFmts))
	for _, n := range st.NumFmts {
		custom[n.ID] = n.Code
	}
	wb.formats = make([]numFormat, len(st.Xfs))
	for i, xf := range st.Xfs {
		if code, ok := custom[xf.NumFmtID]; ok {
			wb.formats[i] = customFormat(code)
		} else {
			wb.formats[i] = numFormat{kind: builtinKind(xf.NumFmtID)}
		}
	}
	return nil
}

// readStrings reads the shared string table: each item's text runs
// concatenated, phonetic runs left out.
func (wb *workbook) readStrings(name string) error {
	rc, err := wb.open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	dec := xml.NewDecoder(bufio.NewReaderSize(&markupGuard{r: rc}, 64<<10))
	var sb strings.Builder
	used := int64(0)
	inSI, inT, phonetic := false, false, 0
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("part %s: %w", name, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				inSI = true
				sb.Reset()
			case "t":
				inT = true
			case "rPh":
				phonetic++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				inSI = false
				if used += int64(sb.Len()) + stringOverhead; used > wb.budget {
					return fmt.Errorf("part %s: the shared strings take more than %d MB, more than a workbook of this size holds", name, wb.budget>>20)
				}
				wb.strings = append(wb.strings, sb.String())
			case "t":
				inT = false
			case "rPh":
				phonetic--
			}
		case xml.CharData:
			if inSI && inT && phonetic == 0 {
				sb.Write(t)
				if used+int64(sb.Len()) > wb.budget {
					return fmt.Errorf("part %s: the shared strings take more than %d MB, more than a workbook of this size holds", name, wb.budget>>20)
				}
			}
		}
	}
}

// format returns the number format of cell style s.
func (wb *workbook) format(s int) numFormat {
	if s < 0 || s >= len(wb.formats) {
		return numFormat{}
	}
	return wb.formats[s]
}

// sheet finds a sheet by name, or the first one for "".
func (wb *workbook) sheet(name string) (sheetRef, error) {
	if len(wb.sheets) == 0 {
		return sheetRef{}, errors.New("the workbook has no sheets")
	}
	if name == "" {
		return wb.sheets[0], nil
	}
	names := make([]string, len(wb.sheets))
	for i, s := range wb.sheets {
		if s.name == name {
			return s, nil
		}
		names[i] = fmt.Sprintf("%q", s.name)
	}
	return sheetRef{}, fmt.Errorf("no sheet %q (sheets: %s)", name, strings.Join(names, ", "))
}
