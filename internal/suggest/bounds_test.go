package suggest

import (
	"path/filepath"
	"testing"
)

// TestConfidencesWithinZeroAndOne: every confidence and entity score of
// a draft lies in [0, 1], the file-name bonus included.
func TestConfidencesWithinZeroAndOne(t *testing.T) {
	f := acmeFormat(t)
	paths := []string{filepath.Join("testdata", "personnes.csv")}
	for _, n := range []string{"firmen.csv", "kontakte.csv", "verkaeufe.csv"} {
		paths = append(paths, filepath.Join("..", "..", "examples", "acme", "delivery", n))
	}
	for _, path := range paths {
		d := suggestFile(t, f, path, Options{})
		for _, fit := range d.Fits {
			if fit.Score < 0 || fit.Score > 1 {
				t.Errorf("%s: entity %s score %v", filepath.Base(path), fit.Entity, fit.Score)
			}
		}
		for _, s := range d.Fields {
			if s.Confidence < 0 || s.Confidence > 1 {
				t.Errorf("%s: %s confidence %v", filepath.Base(path), s.Field, s.Confidence)
			}
		}
	}
}
