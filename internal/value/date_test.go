package value

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		layouts []string
		want    string // YYYY-MM-DD HH:mm:ss, "" for empty
		layout  string
		err     string
	}{
		{"", []string{"DD.MM.YYYY"}, "", "", ""},
		{"29.02.1980", []string{"DD.MM.YYYY"}, "1980-02-29 00:00:00", "DD.MM.YYYY", ""},
		{"29.02.2000", []string{"DD.MM.YYYY"}, "2000-02-29 00:00:00", "DD.MM.YYYY", ""},
		{"29.02.1900", []string{"DD.MM.YYYY"}, "", "", `"29.02.1900" is not a valid date (DD.MM.YYYY)`},
		{"29.02.1981", []string{"DD.MM.YYYY"}, "", "", `"29.02.1981" is not a valid date (DD.MM.YYYY)`},
		{"31.02.1980", []string{"DD.MM.YYYY"}, "", "", `"31.02.1980" is not a valid date (DD.MM.YYYY)`},
		{"31.04.1980", []string{"DD.MM.YYYY"}, "", "", `"31.04.1980" is not a valid date (DD.MM.YYYY)`},
		{"31.12.1980", []string{"DD.MM.YYYY"}, "1980-12-31 00:00:00", "DD.MM.YYYY", ""},
		{"00.12.1980", []string{"DD.MM.YYYY"}, "", "", `"00.12.1980" is not a valid date (DD.MM.YYYY)`},
		{"01.13.1980", []string{"DD.MM.YYYY"}, "", "", `"01.13.1980" is not a valid date (DD.MM.YYYY)`},
		{"1.2.1980", []string{"DD.MM.YYYY"}, "", "", `"1.2.1980" is not a valid date (DD.MM.YYYY)`},
		{"1.2.1980", []string{"DD.MM.YYYY", "D.M.YYYY"}, "1980-02-01 00:00:00", "D.M.YYYY", ""},
		{"01.02.1980", []string{"D.M.YYYY"}, "1980-02-01 00:00:00", "D.M.YYYY", ""},
		{"01.02.1980 ", []string{"DD.MM.YYYY"}, "", "", `"01.02.1980 " is not a valid date (DD.MM.YYYY)`},
		{"1980-02-29", []string{"DD.MM.YYYY", "YYYY-MM-DD"}, "1980-02-29 00:00:00", "YYYY-MM-DD", ""},
		{"02/29/1980", []string{"MM/DD/YYYY"}, "1980-02-29 00:00:00", "MM/DD/YYYY", ""},
		{"29.02.80", []string{"DD.MM.YY"}, "1980-02-29 00:00:00", "DD.MM.YY", ""},
		{"01.01.29", []string{"DD.MM.YY"}, "2029-01-01 00:00:00", "DD.MM.YY", ""},
		{"01.01.30", []string{"DD.MM.YY"}, "1930-01-01 00:00:00", "DD.MM.YY", ""},
		{"0000-01-01", []string{"YYYY-MM-DD"}, "", "", `"0000-01-01" is not a valid date (YYYY-MM-DD)`},
		{"01.02.1980 14:05", []string{"DD.MM.YYYY HH:mm"}, "1980-02-01 14:05:00", "DD.MM.YYYY HH:mm", ""},
		{"01.02.1980 24:00", []string{"DD.MM.YYYY HH:mm"}, "", "", `"01.02.1980 24:00" is not a valid date (DD.MM.YYYY HH:mm)`},
		{"01.02.1980 9:05:59", []string{"DD.MM.YYYY H:mm:ss"}, "1980-02-01 09:05:59", "DD.MM.YYYY H:mm:ss", ""},
		{"1980-02-01T09:05:60", []string{"YYYY-MM-DDTHH:mm:ss"}, "", "", `"1980-02-01T09:05:60" is not a valid date (YYYY-MM-DDTHH:mm:ss)`},
		{"12345", []string{"DD.MM.YYYY", "YYYY-MM-DD"}, "", "", `"12345" is not a valid date (DD.MM.YYYY or YYYY-MM-DD)`},
		{"ab.cd.efgh", []string{"DD.MM.YYYY"}, "", "", `"ab.cd.efgh" is not a valid date (DD.MM.YYYY)`},
		{"１２.02.1980", []string{"DD.MM.YYYY"}, "", "", `"１２.02.1980" is not a valid date (DD.MM.YYYY)`},
	}
	for _, tt := range tests {
		got, layout, err := ParseDate(tt.in, tt.layouts...)
		if tt.err != "" {
			var ve *Error
			if !errors.As(err, &ve) || ve.Message != tt.err || ve.Rule != "date" {
				t.Errorf("ParseDate(%q, %q) error = %v, want %q", tt.in, tt.layouts, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseDate(%q, %q): %v", tt.in, tt.layouts, err)
			continue
		}
		s := ""
		if !got.IsZero() {
			s = got.Format(time.DateTime)
		}
		if s != tt.want || layout != tt.layout || !got.IsZero() && got.Location() != time.UTC {
			t.Errorf("ParseDate(%q, %q) = %s, %q, want %s, %q", tt.in, tt.layouts, s, layout, tt.want, tt.layout)
		}
	}
}

func TestCompileLayout(t *testing.T) {
	good := []string{"DD.MM.YYYY", "YYYY-MM-DD", "MM/DD/YYYY", "D.M.YYYY", "DD.MM.YYYY HH:mm", "YYYY-MM-DDTHH:mm:ss", "YYYYMMDD", "DD.MM.YY"}
	for _, s := range good {
		l, err := CompileLayout(s)
		if err != nil || l.String() != s {
			t.Errorf("CompileLayout(%q) = %v, %v", s, l, err)
		}
	}
	bad := map[string]string{
		"":                 "no year",
		"DD.MM.":           "no year",
		"YYYY-MM":          "no day",
		"DD.MM.YYYY hh:mm": `unknown letter 'h'`,
		"DD.MM.YYYY HH:ss": "seconds without minutes",
		"DD.MM.YYYY mm":    "minutes without hours",
		"DD.DD.YYYY":       "day appears twice",
		"dd.mm.yyyy":       `unknown letter 'd'`,
		"Europe/Zurich":    "unknown letter",
	}
	for s, want := range bad {
		_, err := CompileLayout(s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CompileLayout(%q) error = %v, want it to contain %q", s, err, want)
		}
		var ve *Error
		if errors.As(err, &ve) {
			t.Errorf("CompileLayout(%q) returned a value error, want a configuration error", s)
		}
	}
}

func TestMatchDateTimeZone(t *testing.T) {
	l, err := CompileLayout("DD.MM.YYYY HH:mm")
	if err != nil {
		t.Fatal(err)
	}
	zurich, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	got, _, err := MatchDateTime("01.07.2024 14:00", []*Layout{l}, zurich)
	if err != nil || got.UTC().Format(time.RFC3339) != "2024-07-01T12:00:00Z" {
		t.Errorf("MatchDateTime = %v, %v", got.UTC(), err)
	}
	_, _, err = MatchDateTime("x", []*Layout{l}, nil)
	var ve *Error
	if !errors.As(err, &ve) || ve.Rule != "datetime" || ve.Message != `"x" is not a valid date and time (DD.MM.YYYY HH:mm)` {
		t.Errorf("MatchDateTime error = %v", err)
	}
}
