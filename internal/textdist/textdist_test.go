package textdist

import "testing"

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "abc", 3}, {"EMail", "EMail", 0},
		{"Email", "EMail", 1}, {"Nachnahme", "Nachname", 1}, {"databse", "database", 1},
		{"ab", "ba", 1}, {"kitten", "sitting", 3}, {"Prénom", "Prenom", 1}, {"ca", "abc", 3},
	} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
