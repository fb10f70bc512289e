package source

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// numKind is how a cell style shows numbers.
type numKind uint8

const (
	numPlain    numKind = iota
	numDate             // a date
	numDateTime         // a date with a time of day
	numTime             // a time of day (or a duration) only
	numPadded           // an integer part padded with zeros ("00000")
)

// numFormat is how a cell style shows numbers: its kind and, for a
// zero-padded format, the digits before and after the decimal point.
type numFormat struct {
	kind          numKind
	pad, decimals int
}

// customFormat classifies a custom number format code.
func customFormat(code string) numFormat {
	if pad, dec, ok := zeroPadded(code); ok {
		return numFormat{kind: numPadded, pad: pad, decimals: dec}
	}
	return numFormat{kind: formatKind(code)}
}

// zeroPadded recognises a format of zeros only, like "00000" or "000.00",
// with at least two before the point: a number shown zero-padded (a zip
// code or a customer number).
func zeroPadded(code string) (pad, dec int, ok bool) {
	intPart, frac, hasPoint := strings.Cut(code, ".")
	if len(intPart) < 2 || strings.Trim(intPart, "0") != "" || strings.Trim(frac, "0") != "" || hasPoint && frac == "" {
		return 0, 0, false
	}
	return len(intPart), len(frac), true
}

// paddedText writes a number as a zero-padded format shows it.
func paddedText(v string, f numFormat) string {
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
		return v
	}
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	text := strconv.FormatFloat(n, 'f', f.decimals, 64)
	intLen := len(text)
	if i := strings.IndexByte(text, '.'); i >= 0 {
		intLen = i
	}
	if intLen < f.pad {
		text = strings.Repeat("0", f.pad-intLen) + text
	}
	return sign + text
}

// builtinKind classifies Excel's built-in number formats by id.
func builtinKind(id int) numKind {
	switch {
	case id == 22:
		return numDateTime
	case id >= 14 && id <= 17, id >= 27 && id <= 36, id >= 50 && id <= 58:
		return numDate
	case id >= 18 && id <= 21, id >= 45 && id <= 47:
		return numTime
	}
	return numPlain
}

// formatKind classifies a custom number format code by the date and time
// tokens of its first section, ignoring quoted text, escapes, fills,
// colours and conditions.
func formatKind(code string) numKind {
	var date, month, clock bool
	for i := 0; i < len(code); i++ {
		switch c := code[i] | 0x20; { // lower-case letters
		case code[i] == ';':
			i = len(code)
		case code[i] == '"':
			if j := strings.IndexByte(code[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				i = len(code)
			}
		case code[i] == '\\', code[i] == '_', code[i] == '*':
			i++
		case code[i] == '[':
			j := strings.IndexByte(code[i:], ']')
			if j < 0 {
				i = len(code)
				break
			}
			if elapsed(code[i+1 : i+j]) {
				clock = true
			}
			i += j
		case c == 'y' || c == 'd':
			date = true
		case c == 'h' || c == 's':
			clock = true
		case c == 'm':
			month = true
		}
	}
	switch {
	case date && clock:
		return numDateTime
	case date || (month && !clock):
		return numDate
	case clock:
		return numTime
	}
	return numPlain
}

// elapsed reports whether a bracketed format token is an elapsed time
// ([h], [mm], [ss]).
func elapsed(tok string) bool {
	if tok == "" {
		return false
	}
	for _, c := range strings.ToLower(tok) {
		if c != 'h' && c != 'm' && c != 's' {
			return false
		}
	}
	return true
}

// maxSerial is 9999-12-31, the last date Excel can show.
const maxSerial = 2958465

// serialText turns an Excel date serial into YYYY-MM-DD, with
// " HH:mm:ss" when there is a time of day (HH:mm:ss alone for a time
// format below one day). Anything else is returned unchanged.
func serialText(v string, kind numKind, date1904 bool) string {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > maxSerial+1 || math.IsNaN(f) {
		return v
	}
	secs := int64(math.Round(f * 86400))
	days, rem := secs/86400, secs%86400
	clock := time.Duration(rem) * time.Second
	if kind == numTime && days == 0 {
		return time.Time{}.Add(clock).Format("15:04:05")
	}
	var epoch time.Time
	switch {
	case date1904:
		epoch = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	case days < 61: // Excel counts a 29 February 1900 that never was
		epoch = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
	default:
		epoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	}
	t := epoch.AddDate(0, 0, int(days)).Add(clock)
	if rem == 0 && kind != numDateTime {
		return t.Format("2006-01-02")
	}
	return t.Format("2006-01-02 15:04:05")
}

// numberText writes a stored number without exponent notation. Numbers
// with more than the 15 significant digits Excel keeps are rounded to 15,
// as Excel shows them; others stay exactly as stored.
func numberText(v string) string {
	if !strings.ContainsAny(v, "eE") && sigDigits(v) <= 15 {
		return v
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) {
		return v
	}
	f, _ = strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// sigDigits counts the significant digits of a plain decimal number.
func sigDigits(v string) int {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, v)
	digits = strings.TrimLeft(digits, "0")
	if strings.Contains(v, ".") {
		digits = strings.TrimRight(digits, "0")
	}
	return len(digits)
}
