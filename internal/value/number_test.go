package value

import (
	"errors"
	"testing"
)

// check runs one conversion case: want "" with err "" means empty passthrough.
func check(t *testing.T, name, in, got string, err error, want, wantErr, rule string) {
	t.Helper()
	if wantErr != "" {
		var ve *Error
		if !errors.As(err, &ve) || ve.Message != wantErr || ve.Rule != rule {
			t.Errorf("%s(%q) = %q, %v; want error %q (rule %s)", name, in, got, err, wantErr, rule)
		}
		return
	}
	if err != nil || got != want {
		t.Errorf("%s(%q) = %q, %v; want %q", name, in, got, err, want)
	}
}

func TestParseNumber(t *testing.T) {
	tests := []struct{ in, locale, want, err string }{
		{"", "de-CH", "", ""},
		{"1'234.50", "de-CH", "1234.50", ""},
		{"1’234.50", "de-CH", "1234.50", ""},
		{"1 234.50", "de-CH", "1234.50", ""},
		{"1'234'567", "de-CH", "1234567", ""},
		{"-1'234.5", "de-CH", "-1234.5", ""},
		{"+12", "de-CH", "12", ""},
		{"0012.5", "de-CH", "12.5", ""},
		{".5", "de-CH", "0.5", ""},
		{"-0.00", "de-CH", "0.00", ""},
		{"1234,50", "de-CH", "", `"1234,50" is not a number (de-CH)`},
		{"1.2.3", "de-CH", "", `"1.2.3" is not a number (de-CH)`},
		{"12abc", "de-CH", "", `"12abc" is not a number (de-CH)`},
		{"1'23.5", "de-CH", "", `"1'23.5" is not a number (de-CH)`},
		{"1234'567", "de-CH", "", `"1234'567" is not a number (de-CH)`},
		{"'123", "de-CH", "", `"'123" is not a number (de-CH)`},
		{"5.", "de-CH", "", `"5." is not a number (de-CH)`},
		{"-", "de-CH", "", `"-" is not a number (de-CH)`},
		{"1-", "de-CH", "", `"1-" is not a number (de-CH)`},
		{" 12", "de-CH", "", `" 12" is not a number (de-CH)`},
		{"1e5", "de-CH", "", `"1e5" is not a number (de-CH)`},
		{"1.234,50", "de-DE", "1234.50", ""},
		{"1.234", "de-DE", "1234", ""},
		{"1234,5", "de-DE", "1234.5", ""},
		{"1.234.567,89", "de-DE", "1234567.89", ""},
		{"1.2.3", "de-DE", "", `"1.2.3" is not a number (de-DE)`},
		{"1,234.50", "de-DE", "", `"1,234.50" is not a number (de-DE)`},
		{"1 234,50", "fr-CH", "1234.50", ""},
		{"1\u00a0234,50", "fr-CH", "1234.50", ""},
		{"1\u202f234,50", "fr-CH", "1234.50", ""},
		{"1 234.50", "fr-CH", "1234.50", ""},
		{"1234.5", "fr-CH", "1234.5", ""},
		{"1,2,3", "fr-CH", "", `"1,2,3" is not a number (fr-CH)`},
		{"1,234.50", "en-US", "1234.50", ""},
		{"1234.5", "en-US", "1234.5", ""},
		{"1,23", "en-US", "", `"1,23" is not a number (en-US)`},
		{"−7", "en-US", "-7", ""},
	}
	for _, tt := range tests {
		got, err := ParseNumber(tt.in, tt.locale)
		check(t, "ParseNumber/"+tt.locale, tt.in, got, err, tt.want, tt.err, "number")
	}
	if _, err := ParseNumber("1", "xx-YY"); err == nil || errors.As(err, new(*Error)) {
		t.Errorf("unknown locale: error = %v, want a configuration error", err)
	}
}

func TestDecimal(t *testing.T) {
	tests := []struct {
		in    string
		scale int
		want  string
		err   string
	}{
		{"", 2, "", ""},
		{"12", 2, "12.00", ""},
		{"12.5", 2, "12.50", ""},
		{"12.345", 2, "12.35", ""},
		{"12.344", 2, "12.34", ""},
		{"-12.345", 2, "-12.35", ""},
		{"9.995", 2, "10.00", ""},
		{"-9.995", 2, "-10.00", ""},
		{"99.5", 0, "100", ""},
		{"2.5", 0, "3", ""},
		{"-2.5", 0, "-3", ""},
		{"-0.004", 2, "0.00", ""},
		{".5", 1, "0.5", ""},
		{"+007.10", -1, "7.10", ""},
		{"123456789012345678901234567890.125", 2, "123456789012345678901234567890.13", ""},
		{"12,5", 2, "", `"12,5" is not a decimal number`},
		{"1'000", 2, "", `"1'000" is not a decimal number`},
		{"1e3", 2, "", `"1e3" is not a decimal number`},
		{"5.", 2, "", `"5." is not a decimal number`},
		{".", 2, "", `"." is not a decimal number`},
		{"-", 2, "", `"-" is not a decimal number`},
	}
	for _, tt := range tests {
		got, err := Decimal(tt.in, tt.scale)
		check(t, "Decimal", tt.in, got, err, tt.want, tt.err, "decimal")
	}
}

func TestInt(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"", "", ""},
		{"42", "42", ""},
		{"-0042", "-42", ""},
		{"+7", "7", ""},
		{"-0", "0", ""},
		{"9223372036854775807", "9223372036854775807", ""},
		{"-9223372036854775808", "-9223372036854775808", ""},
		{"9223372036854775808", "", `"9223372036854775808" is too large for a whole number`},
		{"12.0", "", `"12.0" is not a whole number`},
		{"1'000", "", `"1'000" is not a whole number`},
		{"-", "", `"-" is not a whole number`},
		{"x", "", `"x" is not a whole number`},
	}
	for _, tt := range tests {
		got, err := Int(tt.in)
		check(t, "Int", tt.in, got, err, tt.want, tt.err, "int")
	}
}

func TestCompareNumbers(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1", "2", -1}, {"2", "1", 1}, {"1.5", "1.50", 0}, {"-1", "1", -1}, {"-2", "-1", -1},
		{"10", "9.99", 1}, {"0.001", "0.01", -1}, {"-0.5", "-0.25", -1}, {"100", "100", 0},
	}
	for _, tt := range tests {
		if got := CompareNumbers(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareNumbers(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
