package source

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// copyLine reads one line of COPY data into buf (without its line end);
// complete is false when the dump ended before the line did.
func (l *lexer) copyLine(buf []byte) ([]byte, bool, error) {
	buf = buf[:0]
	for {
		chunk, err := l.br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			if len(buf) == 0 {
				return nil, false, io.EOF
			}
			return buf, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("read %s: %w", l.path, err)
		}
		l.line++
		buf = buf[:len(buf)-1]
		if n := len(buf); n > 0 && buf[n-1] == '\r' {
			buf = buf[:n-1]
		}
		return buf, true, nil
	}
}

// copyRow returns the next row of the table's COPY data; ok is false at
// the end of the block.
func (r *dumpReader) copyRow() (Row, bool, error) {
	start := r.lx.line
	line, complete, err := r.lx.copyLine(r.lx.buf)
	r.lx.buf = line[:0]
	if errors.Is(err, io.EOF) {
		r.mode = modeEOF
		return Row{Line: start, Problem: fmt.Sprintf("the dump ends inside the data of table %s (no \\. line): it is truncated", r.table)}, true, nil
	}
	if err != nil {
		return Row{}, false, err
	}
	if complete && string(line) == `\.` {
		r.mode = modeScan
		return Row{}, false, nil
	}
	row := Row{Line: start, Values: copyFields(line)}
	if !complete {
		r.mode = modeEOF
		row.Problem = "the dump ends inside this row: it is truncated"
	}
	for _, v := range row.Values {
		if !utf8.ValidString(v) {
			row.Problem = "a value is not valid UTF-8 text"
		}
	}
	return row, true, nil
}

// copyFields splits a line of COPY text format at tabs and resolves its
// escapes; \N (NULL) becomes "".
func copyFields(line []byte) []string {
	n := 1
	for _, c := range line {
		if c == '\t' {
			n++
		}
	}
	vals := make([]string, 0, n)
	var b strings.Builder
	for field := range strings.SplitSeq(string(line), "\t") {
		if field == `\N` || strings.IndexByte(field, '\\') < 0 {
			if field == `\N` {
				field = ""
			}
			vals = append(vals, field)
			continue
		}
		b.Reset()
		unescapeCopy(&b, field)
		vals = append(vals, b.String())
	}
	return vals
}

// unescapeCopy writes s with COPY's backslash sequences resolved: \b \f
// \n \r \t \v, octal \ooo, hex \xhh, and any other character as itself.
func unescapeCopy(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte('\v')
		case 'x':
			v, n := digitsValue(s[i+1:], 16, 2)
			if n == 0 {
				b.WriteByte('x')
				continue
			}
			b.WriteByte(byte(v))
			i += n
		default:
			if e >= '0' && e <= '7' {
				v, n := digitsValue(s[i:], 8, 3)
				b.WriteByte(byte(v))
				i += n - 1
				continue
			}
			b.WriteByte(e)
		}
	}
}

// digitsValue reads up to max digits of base from s.
func digitsValue(s string, base, max int) (int, int) {
	v, n := 0, 0
	for n < len(s) && n < max {
		d := strings.IndexByte("0123456789abcdef", s[n]|0x20)
		if d < 0 || d >= base {
			break
		}
		v, n = v*base+d, n+1
	}
	return v, n
}

// tuple returns the next (…) of the table's INSERT; ok is false at the
// end of the statement.
func (r *dumpReader) tuple() (Row, bool, error) {
	row, more, err := r.readTuple()
	if err != nil {
		return Row{}, false, err
	}
	if !more {
		r.mode = modeScan
	}
	if row.Line == 0 {
		return Row{}, false, nil
	}
	if r.index != nil && row.Problem == "" {
		row = r.reorder(row)
	}
	return row, true, nil
}

// reorder puts the values of an INSERT with its own column list into the
// table's column order.
func (r *dumpReader) reorder(row Row) Row {
	if len(row.Values) != len(r.index) {
		return row // ragged: rejected as it is
	}
	vals := make([]string, len(r.columns))
	for i, j := range r.index {
		if j < 0 {
			row.Problem = fmt.Sprintf("the INSERT names a column the table %s does not have", r.table)
			return row
		}
		vals[j] = row.Values[i]
	}
	row.Values = vals
	return row
}

// readTuple reads one parenthesised list of values and the `,` or `;`
// after it. A row cut off by the end of the dump comes back with a
// Problem (and more false); Line 0 means there was no tuple.
func (r *dumpReader) readTuple() (row Row, more bool, err error) {
	lx := r.lx
	truncated := func(row Row) (Row, bool, error) {
		if row.Line == 0 {
			row.Line = lx.line
		}
		row.Problem = "the dump ends inside this row: it is truncated"
		r.mode = modeEOF
		return row, false, nil
	}
	if err := lx.skipSpace(); err != nil {
		return truncated(row)
	}
	c, _ := lx.readByte()
	if c == ';' {
		return Row{}, false, nil
	}
	if c != '(' {
		return Row{}, false, fmt.Errorf("%s:%d: expected ( or ; in an INSERT, found %q", lx.path, lx.line, c)
	}
	row.Line = lx.line
	for {
		v, err := r.value(&row)
		if errors.Is(err, errTruncated) || errors.Is(err, io.EOF) {
			return truncated(row)
		}
		if err != nil {
			return Row{}, false, err
		}
		row.Values = append(row.Values, v)
		if err := lx.skipSpace(); err != nil {
			return truncated(row)
		}
		c, _ := lx.readByte()
		if c == ')' {
			break
		}
		if c != ',' {
			return Row{}, false, fmt.Errorf("%s:%d: expected , or ) between values, found %q", lx.path, lx.line, c)
		}
	}
	if err := lx.skipSpace(); err != nil {
		return truncated(row)
	}
	c, _ = lx.readByte()
	switch c {
	case ',':
		return row, true, nil
	case ';':
		return row, false, nil
	}
	return Row{}, false, fmt.Errorf("%s:%d: expected , or ; after a row, found %q", lx.path, lx.line, c)
}

// value reads one value of a tuple as text: strings with their escapes
// resolved, NULL as "", anything else (numbers, true, 0x…) as written.
func (r *dumpReader) value(row *Row) (string, error) {
	lx := r.lx
	if err := lx.skipSpace(); err != nil {
		return "", errTruncated
	}
	c, err := lx.peek()
	if err != nil {
		return "", errTruncated
	}
	mysql := lx.dialect == dialectMySQL
	var v string
	switch {
	case c == '\'':
		lx.readByte()
		v, err = lx.stringValue(mysql)
	case (c == 'E' || c == 'e') && !mysql && r.nextTwo("'"):
		lx.readByte()
		lx.readByte()
		v, err = lx.stringValue(true)
	case c == '_' && mysql:
		// a character set introducer: _binary '…', _utf8mb4'…'
		charset, _ := lx.word()
		lx.skipSpace()
		if !r.nextIs('\'') {
			return charset, nil
		}
		lx.readByte()
		v, err = lx.rawString()
		if err == nil && !utf8.ValidString(v) {
			v = base64.StdEncoding.EncodeToString([]byte(v))
		}
	default:
		v, err = lx.bare()
		if strings.EqualFold(v, "NULL") {
			v = ""
		}
	}
	if err != nil {
		return "", err
	}
	if !utf8.ValidString(v) && row.Problem == "" {
		row.Problem = fmt.Sprintf("value %d is not valid UTF-8 text", len(row.Values)+1)
	}
	return v, r.skipCast()
}

// nextTwo reports whether the second next byte is s (after a prefix
// such as E).
func (r *dumpReader) nextTwo(s string) bool {
	b, _ := r.lx.br.Peek(2)
	return len(b) == 2 && b[1] == s[0]
}

func (r *dumpReader) nextIs(want byte) bool {
	c, err := r.lx.peek()
	return err == nil && c == want
}

// rawString reads a MySQL string keeping invalid UTF-8 (binary data).
func (l *lexer) rawString() (string, error) {
	l.buf = l.buf[:0]
	for {
		c, err := l.readByte()
		if err != nil {
			return "", errTruncated
		}
		switch c {
		case '\\':
			e, err := l.readByte()
			if err != nil {
				return "", errTruncated
			}
			l.buf = l.unescape(e)
		case '\'':
			if n, err := l.peek(); err == nil && n == '\'' {
				l.readByte()
				l.buf = append(l.buf, '\'')
				continue
			}
			return string(l.buf), nil
		default:
			l.buf = append(l.buf, c)
		}
	}
}

// bare reads an unquoted value up to the `,` or `)` that ends it
// (brackets and parentheses inside it nest).
func (l *lexer) bare() (string, error) {
	var out []byte
	depth := 0
	for {
		c, err := l.readByte()
		if err != nil {
			return "", errTruncated
		}
		switch {
		case c == '(' || c == '[':
			depth++
		case (c == ')' || c == ']') && depth > 0:
			depth--
		case depth == 0 && (c == ',' || c == ')' || c == ';' || c == ' ' || c == '\n' || c == '\t' || c == '\r'):
			l.unread(c)
			return string(out), nil
		case c == '\'':
			s, err := l.stringValue(l.dialect == dialectMySQL)
			if err != nil {
				return "", err
			}
			out = append(append(append(out, '\''), s...), '\'')
			continue
		}
		out = append(out, c)
	}
}

// skipCast skips a PostgreSQL cast after a value: '…'::date.
func (r *dumpReader) skipCast() error {
	lx := r.lx
	if lx.dialect != dialectPostgres {
		return nil
	}
	if b, _ := lx.br.Peek(2); len(b) < 2 || b[0] != ':' || b[1] != ':' {
		return nil
	}
	lx.readByte()
	lx.readByte()
	_, err := lx.bare()
	return err
}
