package replay

import (
	"sort"
	"strconv"

	"github.com/handover/handover/internal/archive"
	"github.com/handover/handover/internal/protocol"
)

// RunDiff is what changed between two runs' inputs, and their counts.
type RunDiff struct {
	A        int              `json:"a"`
	B        int              `json:"b"`
	Changes  []archive.Change `json:"changes"`
	Entities []EntityCounts   `json:"entities"`
}

// EntityCounts puts one entity's counts of both runs side by side.
type EntityCounts struct {
	Name string  `json:"name"`
	A    *Counts `json:"a"` // nil: the entity is not in run A
	B    *Counts `json:"b"`
}

// Counts are a run's figures for one entity.
type Counts struct {
	Read     int64  `json:"read"`
	Filtered int64  `json:"filtered"`
	Rejected int64  `json:"rejected"`
	Valid    int64  `json:"valid"`
	Output   string `json:"valid_sha256,omitempty"`
}

// DiffRuns compares two runs: the archived inputs (nil manifests when a
// run has no archive: then only the protocol's hashes are compared), the
// extraction files and the counts per entity.
func DiffRuns(a, b *protocol.Protocol, ma, mb *archive.Manifest) *RunDiff {
	d := &RunDiff{A: a.Run, B: b.Run, Changes: []archive.Change{}, Entities: []EntityCounts{}}
	if ma != nil && mb != nil {
		d.Changes = append(d.Changes, archive.Diff(ma, mb)...)
	} else {
		hash := func(what, x, y string) {
			if x != y {
				d.Changes = append(d.Changes, archive.Change{What: what, Name: what, From: x, To: y})
			}
		}
		hash("recipes", a.Hashes.Recipes, b.Hashes.Recipes)
		hash("format", a.Hashes.Format, b.Hashes.Format)
		hash("lookups", a.Hashes.Lookups, b.Hashes.Lookups)
	}
	if a.Extraction != b.Extraction {
		d.Changes = append(d.Changes, archive.Change{What: "extraction", Name: "extraction number",
			From: itoa(a.Extraction), To: itoa(b.Extraction)})
	}
	for _, name := range unionKeys(a.Hashes.Inputs, b.Hashes.Inputs) {
		if x, y := a.Hashes.Inputs[name], b.Hashes.Inputs[name]; x != y {
			d.Changes = append(d.Changes, archive.Change{What: "extraction file", Name: name, From: x, To: y})
		}
	}
	seen := map[string]bool{}
	for _, p := range []*protocol.Protocol{a, b} {
		for _, e := range p.Entities {
			if seen[e.Name] {
				continue
			}
			seen[e.Name] = true
			d.Entities = append(d.Entities, EntityCounts{Name: e.Name, A: counts(a, e.Name), B: counts(b, e.Name)})
		}
	}
	return d
}

func counts(p *protocol.Protocol, name string) *Counts {
	for _, e := range p.Entities {
		if e.Name == name {
			c := &Counts{Read: e.Read, Filtered: e.Filtered, Rejected: e.Rejected, Valid: e.Valid}
			if o := p.Outputs[name]; o != nil {
				c.Output = o.Valid
			}
			return c
		}
	}
	return nil
}

func unionKeys(a, b map[string]string) []string {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }
