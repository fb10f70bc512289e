package report

import "strings"

// Neutralize makes a cell safe against spreadsheet formula injection
// (OWASP "CSV Injection"): a cell whose first character, after any leading
// spaces, is = + - @ TAB or CR is prefixed with a single quote, so Excel and
// LibreOffice show it as text instead of running it. This includes negative
// numbers: "-12.5" is written as "'-12.5" — the rejects are the customer's
// raw source values to fix, not figures to compute with, and safety wins.
//
// To keep the file readable back exactly (Restore), a cell that already
// starts with quotes followed by such a character ("'=x") gets one more
// quote too. Every other cell is returned unchanged.
func Neutralize(s string) string {
	if !needsQuote(s) {
		return s
	}
	return "'" + s
}

// Restore undoes Neutralize: Restore(Neutralize(s)) == s for every s.
func Restore(s string) string {
	if len(s) > 0 && s[0] == '\'' && needsQuote(s[1:]) {
		return s[1:]
	}
	return s
}

// needsQuote reports whether s, after any leading quotes and then any
// leading spaces, starts with a character a spreadsheet treats as the
// start of a formula.
func needsQuote(s string) bool {
	s = strings.TrimLeft(s, "'")
	s = strings.TrimLeft(s, " ")
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}
