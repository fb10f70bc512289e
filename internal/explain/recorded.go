package explain

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"

	"github.com/handover/handover/internal/report"
)

// Recorded returns the errors a run's rejects file (the CSV of
// report.RejectsPath) holds for the row on line, or "" when the run did
// not reject it. It streams the file.
func Recorded(path string, line int) (string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the run's rejects: %w", err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\ufeff")) {
		br.Discard(3)
	}
	r := csv.NewReader(br)
	r.FieldsPerRecord = -1
	want := strconv.Itoa(line)
	for first := true; ; first = false {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("read the run's rejects: %w", err)
		}
		if !first && len(rec) > 1 && rec[0] == want {
			return report.Restore(rec[1]), nil
		}
	}
}
