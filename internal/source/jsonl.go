package source

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// jsonlReader streams a JSON Lines file: one object per line, columns
// are the keys of the first object in their order.
type jsonlReader struct {
	in      *textInput
	br      *bufio.Reader
	line    int // lines read so far
	buf     []byte
	columns []string
	index   map[string]int
	first   *Row // the first object's row, returned by the first Next
	boms    int  // stray byte order marks removed from values
}

// openJSONL opens a JSON Lines file and reads its first object.
func openJSONL(src input, opts Options) (Reader, error) {
	in, err := openText(src, opts)
	if err != nil {
		return nil, err
	}
	r := &jsonlReader{in: in, br: bufio.NewReaderSize(in.r, sampleSize)}
	if err := r.readFirst(); err != nil {
		in.file.Close()
		return nil, err
	}
	return r, nil
}

// readFirst reads the first object and takes its keys as the columns.
func (r *jsonlReader) readFirst() error {
	line, text, err := r.nextLine()
	if errors.Is(err, io.EOF) {
		return &fileError{op: r.in.path, msg: "file is empty", err: ErrEmpty}
	}
	if err != nil {
		return err
	}
	keys, vals, err := parseObject(text, &r.boms)
	if err != nil {
		return fmt.Errorf("%s:%d: %w", r.in.path, line, err)
	}
	if len(keys) == 0 {
		return fmt.Errorf("%s:%d: the first object has no keys, so there are no columns", r.in.path, line)
	}
	r.index = make(map[string]int, len(keys))
	for i, k := range keys {
		if _, dup := r.index[k]; dup {
			return fmt.Errorf("%s:%d: key %q appears twice", r.in.path, line, k)
		}
		r.index[k] = i
	}
	r.columns = keys
	r.first = &Row{Line: line, Values: vals}
	return nil
}

// nextLine returns the next non-blank line and its number.
func (r *jsonlReader) nextLine() (int, []byte, error) {
	for {
		r.buf = r.buf[:0]
		for {
			chunk, err := r.br.ReadSlice('\n')
			r.buf = append(r.buf, chunk...)
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return 0, nil, fmt.Errorf("read %s: %w", r.in.path, err)
			}
			if err != nil && len(r.buf) == 0 {
				return 0, nil, io.EOF
			}
			break
		}
		r.line++
		text := bytes.TrimSpace(r.buf)
		if len(text) == 0 {
			continue
		}
		if !utf8.Valid(text) {
			return r.line, nil, fmt.Errorf("%s:%d: not valid UTF-8 text (is the file in another encoding? set encoding: in the recipe)", r.in.path, r.line)
		}
		return r.line, text, nil
	}
}

func (r *jsonlReader) Columns() []string { return r.columns }

// Next returns the next object as a row. Keys the first object did not
// have make the row's Problem; keys it lacks are empty values. A line that
// is not a JSON object, or holds a lone surrogate, is a row with a Problem
// and the line's text as its first value.
func (r *jsonlReader) Next(ctx context.Context) (Row, error) {
	if err := ctx.Err(); err != nil {
		return Row{}, fmt.Errorf("read %s: %w", r.in.path, err)
	}
	if r.first != nil {
		row := *r.first
		r.first = nil
		return row, nil
	}
	line, text, err := r.nextLine()
	if err != nil {
		return Row{}, err
	}
	row := Row{Line: line, Values: make([]string, len(r.columns))}
	keys, vals, err := parseObject(text, &r.boms)
	if err != nil {
		row.Values[0], row.Problem = string(text), err.Error()
		return row, nil
	}
	var unknown, dups []string
	seen := make([]bool, len(r.columns))
	for i, k := range keys {
		j, ok := r.index[k]
		switch {
		case !ok:
			unknown = append(unknown, strconv.Quote(k))
		case seen[j]:
			dups = append(dups, strconv.Quote(k))
		default:
			seen[j] = true
			row.Values[j] = vals[i]
		}
	}
	row.Problem = keyProblem(unknown, dups)
	return row, nil
}

// keyProblem describes unexpected and repeated keys of an object.
func keyProblem(unknown, dups []string) string {
	var parts []string
	switch len(unknown) {
	case 0:
	case 1:
		parts = append(parts, "unexpected key "+unknown[0])
	default:
		parts = append(parts, "unexpected keys "+strings.Join(unknown, ", "))
	}
	if len(dups) > 0 {
		parts = append(parts, "key "+strings.Join(dups, ", ")+" appears twice")
	}
	return strings.Join(parts, "; ")
}

// parseObject decodes one JSON object, keeping its keys in order. Values
// become text: strings as they are, numbers as written, true/false, null
// as "", nested objects and arrays as compact JSON.
func parseObject(text []byte, boms *int) ([]string, []string, error) {
	if bytes.HasPrefix(text, bomUTF8) {
		return nil, nil, errors.New("the line starts with a byte order mark (U+FEFF), not a JSON object")
	}
	if text[0] != '{' {
		return nil, nil, errors.New("not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return nil, nil, invalidJSON(err)
	}
	var keys, vals []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, invalidJSON(err)
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, invalidJSON(err)
		}
		if esc := loneSurrogate(raw); esc != "" {
			return nil, nil, fmt.Errorf("key %q: %s is a lone surrogate, not a character", key, esc)
		}
		v, err := jsonText(raw)
		if err != nil {
			return nil, nil, invalidJSON(err)
		}
		if strings.Contains(v, "\ufeff") {
			*boms += strings.Count(v, "\ufeff")
			v = strings.ReplaceAll(v, "\ufeff", "")
		}
		keys, vals = append(keys, key), append(vals, v)
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, invalidJSON(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, nil, errors.New("unexpected text after the JSON object")
	}
	return keys, vals, nil
}

// invalidJSON describes a decoding error. It never wraps io.EOF: the
// caller would take it for the end of the file.
func invalidJSON(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("invalid JSON: the object is cut off")
	}
	return fmt.Errorf("invalid JSON: %v", err)
}

// jsonText renders one JSON value as a field value.
func jsonText(raw json.RawMessage) (string, error) {
	switch raw[0] {
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case 'n':
		return "", nil
	case '{', '[':
		var b bytes.Buffer
		err := json.Compact(&b, raw)
		return b.String(), err
	}
	return string(raw), nil // number, true, false
}

// loneSurrogate returns the first \uXXXX escape of a JSON string that is
// half of a surrogate pair without its other half ("" when none): the
// decoder would turn it into U+FFFD without a word.
func loneSurrogate(raw []byte) string {
	if len(raw) == 0 || raw[0] != '"' {
		return ""
	}
	for i := 1; i < len(raw)-1; i++ {
		if raw[i] != '\\' {
			continue
		}
		if raw[i+1] != 'u' {
			i++ // an escaped character, \\ included
			continue
		}
		r, ok := hex4(raw, i+2)
		switch {
		case !ok || r < 0xD800 || r > 0xDFFF:
		case r <= 0xDBFF && i+11 < len(raw) && raw[i+6] == '\\' && raw[i+7] == 'u':
			if lo, ok := hex4(raw, i+8); ok && lo >= 0xDC00 && lo <= 0xDFFF {
				i += 11
				continue
			}
			return string(raw[i : i+6])
		default:
			return string(raw[i : i+6])
		}
		i += 5
	}
	return ""
}

// hex4 reads four hex digits at raw[i:].
func hex4(raw []byte, i int) (rune, bool) {
	if i+4 > len(raw) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(raw[i:i+4]), 16, 16)
	return rune(n), err == nil
}

func (r *jsonlReader) Repairs() map[string]int       { return repairs(r.boms) }
func (r *jsonlReader) Encoding() string              { return r.in.encName() }
func (r *jsonlReader) Delimiter() string             { return "" }
func (r *jsonlReader) Progress() (done, total int64) { return r.in.progress() }
func (r *jsonlReader) Close() error                  { return r.in.file.Close() }
