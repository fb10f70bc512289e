package source

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// dialect is the SQL flavour of a dump: how strings escape.
type dialect int

const (
	dialectPostgres dialect = iota // '' doubles a quote; E'…' has backslash escapes
	dialectMySQL                   // backslash escapes in every string; `ident`
)

func (d dialect) String() string {
	if d == dialectMySQL {
		return "MySQL/MariaDB dump"
	}
	return "PostgreSQL dump"
}

// errTruncated is returned when the dump ends inside a statement.
var errTruncated = errors.New("the dump ends here: it is truncated")

// lexer reads a SQL dump byte by byte, counting lines. Nothing it keeps
// grows with the dump: a statement is skipped or consumed as it is read.
type lexer struct {
	path    string
	br      *bufio.Reader
	line    int // line of the next byte
	dialect dialect
	buf     []byte // scratch for one value
}

func (l *lexer) readByte() (byte, error) {
	c, err := l.br.ReadByte()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return 0, io.EOF
		}
		return 0, fmt.Errorf("read %s: %w", l.path, err)
	}
	if c == '\n' {
		l.line++
	}
	return c, nil
}

func (l *lexer) unread(c byte) {
	l.br.UnreadByte()
	if c == '\n' {
		l.line--
	}
}

// peek returns the next byte without consuming it (so that an unread
// before it stays possible).
func (l *lexer) peek() (byte, error) {
	b, err := l.br.Peek(1)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return 0, io.EOF
		}
		return 0, fmt.Errorf("read %s: %w", l.path, err)
	}
	return b[0], nil
}

// skipSpace skips white space and comments (-- to the end of the line,
// /* … */ including MySQL's /*!40101 … */ statements-in-comments).
func (l *lexer) skipSpace() error {
	for {
		c, err := l.peek()
		if err != nil {
			return err
		}
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			l.readByte()
		case (c == '-' || c == '/' || c == '#') && l.atComment():
			c, _ = l.readByte()
			l.comment(c)
		default:
			return nil
		}
	}
}

// atComment reports whether a comment starts at the next byte.
func (l *lexer) atComment() bool {
	b, _ := l.br.Peek(2)
	switch {
	case len(b) > 0 && b[0] == '#':
		return l.dialect == dialectMySQL
	case len(b) < 2:
		return false
	}
	return b[0] == '-' && b[1] == '-' || b[0] == '/' && b[1] == '*'
}

// comment consumes a comment that starts with c, when one does.
func (l *lexer) comment(c byte) bool {
	if c == '#' && l.dialect == dialectMySQL {
		l.skipLine()
		return true
	}
	next, err := l.peek()
	if err != nil {
		return false
	}
	switch {
	case c == '-' && next == '-':
		l.skipLine()
		return true
	case c == '/' && next == '*':
		l.readByte()
		var prev byte
		for {
			b, err := l.readByte()
			if err != nil || prev == '*' && b == '/' {
				return true
			}
			prev = b
		}
	}
	return false
}

func (l *lexer) skipLine() {
	for {
		b, err := l.readByte()
		if err != nil || b == '\n' {
			return
		}
	}
}

// word reads a run of letters, digits and underscores (a keyword), upper
// case; "" when the next byte starts none.
func (l *lexer) word() (string, error) {
	l.buf = l.buf[:0]
	for {
		c, err := l.readByte()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", err
		}
		if !isWordByte(c) {
			l.unread(c)
			break
		}
		l.buf = append(l.buf, c)
	}
	return strings.ToUpper(string(l.buf)), nil
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// ident reads one identifier: plain, "quoted" or `quoted`.
func (l *lexer) ident() (string, error) {
	if err := l.skipSpace(); err != nil {
		return "", err
	}
	c, err := l.readByte()
	if err != nil {
		return "", err
	}
	if c == '"' || c == '`' {
		return l.quoted(c)
	}
	l.unread(c)
	l.buf = l.buf[:0]
	for {
		c, err := l.readByte()
		if err != nil || !isWordByte(c) {
			if err == nil {
				l.unread(c)
			}
			break
		}
		l.buf = append(l.buf, c)
	}
	return string(l.buf), nil
}

// quoted reads the rest of an identifier quoted with q (doubled q inside).
func (l *lexer) quoted(q byte) (string, error) {
	l.buf = l.buf[:0]
	for {
		c, err := l.readByte()
		if err != nil {
			return "", errTruncated
		}
		if c == q {
			if n, err := l.peek(); err == nil && n == q {
				l.readByte()
			} else {
				return string(l.buf), nil
			}
		}
		l.buf = append(l.buf, c)
	}
}

// name reads a possibly qualified name: schema.table.
func (l *lexer) name() (string, error) {
	var parts []string
	for {
		id, err := l.ident()
		if err != nil {
			return "", err
		}
		parts = append(parts, id)
		if c, err := l.peek(); err != nil || c != '.' {
			return strings.Join(parts, "."), nil
		}
		l.readByte()
	}
}

// columnList reads "(a, b, c)" when it comes next; nil when it does not.
func (l *lexer) columnList() ([]string, error) {
	if err := l.skipSpace(); err != nil {
		return nil, err
	}
	if c, _ := l.peek(); c != '(' {
		return nil, nil
	}
	l.readByte()
	var cols []string
	for {
		id, err := l.ident()
		if err != nil {
			return nil, err
		}
		cols = append(cols, id)
		if err := l.skipSpace(); err != nil {
			return nil, errTruncated
		}
		c, err := l.readByte()
		if err != nil {
			return nil, errTruncated
		}
		if c == ')' {
			return cols, nil
		}
		if c != ',' {
			return nil, fmt.Errorf("%s:%d: unexpected %q in a column list", l.path, l.line, c)
		}
	}
}

// skipStatement consumes everything up to and including the next `;`
// outside strings, quoted names, comments and dollar quotes.
func (l *lexer) skipStatement() error {
	for {
		c, err := l.readByte()
		if err != nil {
			return err
		}
		switch {
		case c == ';':
			return nil
		case c == '\'':
			if err := l.skipString(l.dialect == dialectMySQL); err != nil {
				return err
			}
		case c == '"' || c == '`':
			if _, err := l.quoted(c); err != nil {
				return err
			}
		case c == '-' || c == '/' || c == '#':
			l.comment(c)
		case c == '$' && l.dialect == dialectPostgres:
			if err := l.skipDollar(); err != nil {
				return err
			}
		case (c == 'E' || c == 'e') && l.dialect == dialectPostgres:
			if n, err := l.peek(); err == nil && n == '\'' {
				l.readByte()
				if err := l.skipString(true); err != nil {
					return err
				}
			}
		case isWordByte(c):
			// the rest of a word: a `$` inside it opens no dollar quote
			for {
				n, err := l.readByte()
				if err != nil {
					return err
				}
				if !isWordByte(n) {
					l.unread(n)
					break
				}
			}
		}
	}
}

// skipString consumes the rest of a '…' string.
func (l *lexer) skipString(backslash bool) error {
	for {
		c, err := l.readByte()
		if err != nil {
			return errTruncated
		}
		switch {
		case c == '\\' && backslash:
			if _, err := l.readByte(); err != nil {
				return errTruncated
			}
		case c == '\'':
			if n, err := l.peek(); err == nil && n == '\'' {
				l.readByte()
				continue
			}
			return nil
		}
	}
}

// skipDollar consumes a PostgreSQL dollar-quoted string whose opening `$`
// was read: $$…$$ or $tag$…$tag$. A `$` that opens none is left alone.
func (l *lexer) skipDollar() error {
	tag := []byte{'$'}
	for {
		c, err := l.readByte()
		if err != nil {
			return err
		}
		if c == '$' {
			tag = append(tag, '$')
			break
		}
		if !isWordByte(c) || c >= '0' && c <= '9' && len(tag) == 1 {
			l.unread(c)
			return nil
		}
		tag = append(tag, c)
	}
	// Find the closing tag, keeping only a tag's length of look-behind.
	window := make([]byte, 0, len(tag))
	for {
		c, err := l.readByte()
		if err != nil {
			return errTruncated
		}
		if len(window) == len(tag) {
			copy(window, window[1:])
			window = window[:len(tag)-1]
		}
		window = append(window, c)
		if bytes.Equal(window, tag) {
			return nil
		}
	}
}

// stringValue reads the rest of a '…' string (the quote was read) and
// returns its text with the dialect's escapes resolved.
func (l *lexer) stringValue(backslash bool) (string, error) {
	l.buf = l.buf[:0]
	for {
		c, err := l.readByte()
		if err != nil {
			return "", errTruncated
		}
		switch {
		case c == '\\' && backslash:
			e, err := l.readByte()
			if err != nil {
				return "", errTruncated
			}
			l.buf = l.unescape(e)
		case c == '\'':
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

// unescape appends what a backslash and e stand for in a string.
func (l *lexer) unescape(e byte) []byte {
	switch e {
	case 'n':
		return append(l.buf, '\n')
	case 'r':
		return append(l.buf, '\r')
	case 't':
		return append(l.buf, '\t')
	case 'b':
		return append(l.buf, '\b')
	case '0':
		if l.dialect == dialectMySQL {
			return append(l.buf, 0)
		}
	case 'Z':
		if l.dialect == dialectMySQL {
			return append(l.buf, 0x1a)
		}
	case '%', '_':
		if l.dialect == dialectMySQL {
			return append(l.buf, '\\', e) // kept, as MySQL does
		}
	case 'f':
		return append(l.buf, '\f')
	}
	return append(l.buf, e)
}

// constraintWords start a table element that is no column.
var constraintWords = map[string]bool{
	"CONSTRAINT": true, "PRIMARY": true, "UNIQUE": true, "CHECK": true, "FOREIGN": true, "KEY": true,
	"INDEX": true, "FULLTEXT": true, "SPATIAL": true, "EXCLUDE": true, "LIKE": true, "PERIOD": true,
}

// columnDefs reads the (…) of a CREATE TABLE and returns its column names;
// nil when no list follows (CREATE TABLE … AS, PARTITION OF).
func (l *lexer) columnDefs() ([]string, error) {
	if err := l.skipSpace(); err != nil {
		return nil, err
	}
	if c, _ := l.peek(); c != '(' {
		return nil, nil
	}
	l.readByte()
	var cols []string
	for {
		if err := l.skipSpace(); err != nil {
			return nil, err
		}
		c, err := l.peek()
		if err != nil {
			return nil, err
		}
		if c == ')' { // an empty table: CREATE TABLE t ()
			l.readByte()
			return cols, nil
		}
		quoted := c == '"' || c == '`'
		id, err := l.ident()
		if err != nil {
			return nil, err
		}
		if quoted || !constraintWords[strings.ToUpper(id)] {
			cols = append(cols, id)
		}
		end, err := l.skipElement()
		if err != nil {
			return nil, err
		}
		if end {
			return cols, nil
		}
	}
}

// skipElement consumes the rest of a table element up to the `,` after it
// (false) or the `)` that closes the list (true).
func (l *lexer) skipElement() (bool, error) {
	depth := 0
	for {
		c, err := l.readByte()
		if err != nil {
			return false, errTruncated
		}
		switch {
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case c == ')':
			return true, nil
		case c == ',' && depth == 0:
			return false, nil
		case c == '\'':
			if err := l.skipString(l.dialect == dialectMySQL); err != nil {
				return false, err
			}
		case c == '"' || c == '`':
			if _, err := l.quoted(c); err != nil {
				return false, err
			}
		case c == '-' || c == '/':
			l.comment(c)
		}
	}
}
