package fixup

import "regexp/syntax"

// requiredLiteral returns the longest text every match of pattern
// contains, case-sensitively, or "" when none is known.
func requiredLiteral(pattern string) string {
	t, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return ""
	}
	best := ""
	for _, s := range required(t) {
		if len(s) > len(best) {
			best = s
		}
	}
	return best
}

// required returns texts every match of t contains.
func required(t *syntax.Regexp) []string {
	switch t.Op {
	case syntax.OpLiteral:
		if t.Flags&syntax.FoldCase != 0 {
			return nil
		}
		return []string{string(t.Rune)}
	case syntax.OpCapture, syntax.OpPlus:
		return required(t.Sub[0])
	case syntax.OpRepeat:
		if t.Min >= 1 {
			return required(t.Sub[0])
		}
	case syntax.OpConcat:
		var out []string
		run := ""
		for _, s := range t.Sub {
			if s.Op == syntax.OpLiteral && s.Flags&syntax.FoldCase == 0 {
				run += string(s.Rune)
				continue
			}
			if run != "" {
				out, run = append(out, run), ""
			}
			out = append(out, required(s)...)
		}
		if run != "" {
			out = append(out, run)
		}
		return out
	}
	return nil
}
