package fixup

import (
	"fmt"
	"strconv"
	"strings"
)

// piece is one part of a replace template: literal text or a placeholder.
type piece struct {
	kind  pieceKind
	text  string // pieceText
	group int    // pieceGroup: 0 the whole match, 1…9 a capture
}

type pieceKind uint8

const (
	pieceText  pieceKind = iota
	pieceID              // {id}: the target id
	pieceKey             // {key}: the source key (capture 1)
	pieceGroup           // {0}…{9}
)

// parseTemplate splits a replace template into pieces. {id}, {key} and
// {0}…{9} are placeholders; every other character, other braces
// included, is literal. It returns the problems found: {id} or {key}
// without a lookup, a capture the match does not have.
func parseTemplate(s string, groups int, lookup bool) ([]piece, []string) {
	var out []piece
	var problems []string
	lit := func(t string) {
		if n := len(out); n > 0 && out[n-1].kind == pieceText {
			out[n-1].text += t
			return
		}
		out = append(out, piece{kind: pieceText, text: t})
	}
	for len(s) > 0 {
		open := strings.IndexByte(s, '{')
		if open < 0 {
			lit(s)
			break
		}
		lit(s[:open])
		s = s[open:]
		end := strings.IndexByte(s, '}')
		if end < 0 {
			lit(s)
			break
		}
		name := s[1:end]
		switch {
		case name == "id" || name == "key":
			if !lookup {
				problems = append(problems, fmt.Sprintf("{%s} needs entity: (the entity whose source key the match captures)", name))
			}
			kind := pieceID
			if name == "key" {
				kind = pieceKey
			}
			out = append(out, piece{kind: kind})
		case isDigits(name):
			n := atoiSmall(name)
			switch {
			case len(name) > 1 || n > 9:
				problems = append(problems, fmt.Sprintf("{%s}: captures go from {1} to {9} ({0} is the whole match)", name))
			case n > groups:
				problems = append(problems, fmt.Sprintf("{%d}: the match has %s", n, plural(groups, "capture group")))
			}
			out = append(out, piece{kind: pieceGroup, group: n})
		default:
			lit(s[:1])
			s = s[1:]
			continue
		}
		s = s[end+1:]
	}
	return out, problems
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// atoiSmall reads up to a few digits; more than that is simply large.
func atoiSmall(s string) int {
	if len(s) > 4 {
		return 1 << 20
	}
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func plural(n int, what string) string {
	switch n {
	case 0:
		return "no " + what
	case 1:
		return "only 1 " + what
	}
	return fmt.Sprintf("only %d %ss", n, what)
}

// render fills a template: groups[0] is the whole match, groups[i] capture
// i ("" when it did not take part); id and key are the lookup's result.
func render(t []piece, groups []string, id int64, key string) string {
	if len(t) == 1 && t[0].kind == pieceText {
		return t[0].text
	}
	return string(appendRender(nil, t, groups, id, key))
}

// appendRender appends the filled template to dst.
func appendRender(dst []byte, t []piece, groups []string, id int64, key string) []byte {
	for _, p := range t {
		switch p.kind {
		case pieceText:
			dst = append(dst, p.text...)
		case pieceID:
			dst = strconv.AppendInt(dst, id, 10)
		case pieceKey:
			dst = append(dst, key...)
		case pieceGroup:
			if p.group < len(groups) {
				dst = append(dst, groups[p.group]...)
			}
		}
	}
	return dst
}
