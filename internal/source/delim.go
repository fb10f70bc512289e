package source

import (
	"bytes"
	"fmt"
	"strings"
)

// delimCandidates are the delimiters detection chooses from, in order of
// preference when the evidence is equal.
var delimCandidates = [...]byte{',', ';', '\t', '|'}

// parseDelimiter reads Options.Delimiter: one ASCII character, or "tab"
// (also written "\t"). 0 means detect.
func parseDelimiter(s string) (byte, error) {
	switch strings.ToLower(s) {
	case "":
		return 0, nil
	case "\t", `\t`, "tab":
		return '\t', nil
	}
	if len(s) != 1 || s[0] >= 0x80 {
		return 0, fmt.Errorf("delimiter %q must be one ASCII character (or \"tab\")", s)
	}
	if s[0] == '"' || s[0] == '\n' || s[0] == '\r' {
		return 0, fmt.Errorf("delimiter %q cannot be a quote or a line break", s)
	}
	return s[0], nil
}

// maxSampleRecords bounds how many records detection looks at.
const maxSampleRecords = 1000

// detectDelimiter picks the candidate that splits the header into more
// than one column and gives the most records the header's column count;
// ties go to more columns, then to the earlier candidate. Without any such
// candidate the file has one column and ',' is reported.
func detectDelimiter(sample []byte, complete bool) byte {
	best, bestFit, bestCols := byte(','), -1.0, 0
	for _, d := range delimCandidates {
		if bytes.IndexByte(sample, d) < 0 {
			continue
		}
		counts := fieldCounts(sample, complete, d)
		if len(counts) == 0 || counts[0] < 2 {
			continue
		}
		same := 0
		for _, c := range counts {
			if c == counts[0] {
				same++
			}
		}
		fit := float64(same) / float64(len(counts))
		if fit > bestFit || (fit == bestFit && counts[0] > bestCols) {
			best, bestFit, bestCols = d, fit, counts[0]
		}
	}
	return best
}

// fieldCounts parses the sample with delimiter d and returns the number of
// fields of each record. A record cut off by the end of an incomplete
// sample is left out.
func fieldCounts(sample []byte, complete bool, d byte) []int {
	s := newScanner("", bytes.NewReader(sample), len(sample)+1)
	s.setDelim(d)
	var counts []int
	for len(counts) < maxSampleRecords {
		if err := s.skipBlank(); err != nil {
			break
		}
		s.out, s.ends = s.out[:0], s.ends[:0]
		if err := s.record(); err != nil {
			break
		}
		if !complete && s.r >= s.w {
			break // may be cut off
		}
		counts = append(counts, len(s.ends))
	}
	return counts
}
