package source

import "testing"

// TestXLSXDisplayedNumbers: numbers are read as Excel shows them for
// zero-padded and text formats, and a datetime format keeps its time at
// midnight.
func TestXLSXDisplayedNumbers(t *testing.T) {
	b := newBook(t, "Daten")
	const s = "Daten"
	b.row(s, 1, "plz", "kunde", "text", "betrag", "termin", "termin22", "datum", "plain")
	b.set(s, "A2", 501, "00000")
	b.set(s, "B2", 42, "0000000000")
	b.set(s, "C2", 501, "@")
	b.set(s, "D2", 1.5, "000.00")
	b.set(s, "E2", 45000, "dd.mm.yyyy hh:mm")
	b.set(s, "F2", 45001, "22")
	b.set(s, "G2", 45000, "dd.mm.yyyy")
	b.set(s, "H2", 501, "0")
	_, rows := mustReadAll(t, b.save(), Options{})
	want := [][]string{{"00501", "0000000042", "501", "001.50", "2023-03-15 00:00:00", "2023-03-16 00:00:00", "2023-03-15", "501"}}
	if !equal(values(rows), want) {
		t.Errorf("rows\n%q\nwant\n%q", values(rows), want)
	}
}

func TestZeroPadded(t *testing.T) {
	tests := []struct {
		code, v, want string
	}{
		{"00000", "501", "00501"},
		{"00000", "-501", "-00501"},
		{"00000", "1234567", "1234567"},
		{"000.00", "1.555", "001.55"}, // binary 1.555 is just below
		{"00", "7.6", "08"},
	}
	for _, tc := range tests {
		f := customFormat(tc.code)
		if f.kind != numPadded {
			t.Fatalf("%q is not zero-padded", tc.code)
		}
		if got := paddedText(tc.v, f); got != tc.want {
			t.Errorf("paddedText(%q, %q) = %q, want %q", tc.v, tc.code, got, tc.want)
		}
	}
	for _, code := range []string{"0", "0.00", "#,##0", "00.", "0a0"} {
		if customFormat(code).kind == numPadded {
			t.Errorf("%q read as zero-padded", code)
		}
	}
}
