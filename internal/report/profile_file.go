package report

import (
	"encoding/json"
	"fmt"
	"io"
)

// ProfileFile is a run's profile.json, beside report.html: the column
// profile of each entity's source, for the web server's run screen.
type ProfileFile struct {
	Entities []EntityProfile `json:"entities"`
}

// EntityProfile is one entity's source columns.
type EntityProfile struct {
	Entity  string          `json:"entity"`
	Columns []ColumnProfile `json:"columns"`
}

// WriteProfile writes the entities' profiles as profile.json.
func WriteProfile(w io.Writer, d *Data) error {
	f := ProfileFile{Entities: []EntityProfile{}}
	for _, e := range d.Entities {
		if len(e.Profile) > 0 {
			f.Entities = append(f.Entities, EntityProfile{Entity: e.Name, Columns: e.Profile})
		}
	}
	if err := json.NewEncoder(w).Encode(f); err != nil {
		return fmt.Errorf("write profile: %w", err)
	}
	return nil
}
