package engine

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/report"
)

// writeArtifacts writes protocol.json and report.html beside the rejects.
func writeArtifacts(o Options, p *protocol.Protocol, results []*entityResult) error {
	if err := os.MkdirAll(o.Artifacts, 0o755); err != nil {
		return fmt.Errorf("create artifacts directory: %w", err)
	}
	if err := WriteProtocol(filepath.Join(o.Artifacts, "protocol.json"), p); err != nil {
		return err
	}
	d := &report.Data{Protocol: p, Project: o.Project.Migration, Customer: o.Project.Customer}
	for _, r := range results {
		d.Entities = append(d.Entities, report.EntityData{
			Name: r.counts.Name, Source: r.counts.Source, Columns: r.columns, Profile: r.profile,
			SampleRejects: r.sample, RejectsFile: r.counts.Rejects,
		})
	}
	return writeFile(filepath.Join(o.Artifacts, "report.html"), func(f *os.File) error {
		return report.WriteHTML(f, d)
	})
}

// WriteProtocol writes a protocol as indented JSON.
func WriteProtocol(path string, p *protocol.Protocol) error {
	return writeFile(path, func(f *os.File) error {
		enc := json.NewEncoder(f)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	})
}

// writeFile writes through a temporary file renamed into place, so a
// reader never sees half a file.
func writeFile(path string, fn func(*os.File) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	defer os.Remove(tmp.Name())
	if err := fn(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}
