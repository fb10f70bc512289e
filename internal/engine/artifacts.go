package engine

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/report"
)

// Outcome is an executed run: its protocol, with the final status of the
// engine's part, and what its report shows. Its artifacts are written once
// the caller has settled the outcome (committed or rolled back).
type Outcome struct {
	Protocol            *protocol.Protocol
	migration, customer string
	results             []*entityResult
}

// written writes the artifacts of a run that has no transaction to settle
// (Run, RunFixup): a failure to write them fails the run.
func (out *Outcome) written(runErr error) (*protocol.Protocol, error) {
	if out == nil {
		return nil, runErr
	}
	p := out.Protocol
	if p.Artifacts == "" {
		return p, runErr
	}
	if err := out.WriteArtifacts(); err != nil && runErr == nil {
		p.Status, p.Error = protocol.StatusFailed, err.Error()
		runErr = err
	}
	return p, runErr
}

// WriteArtifacts writes protocol.json and report.html into the protocol's
// artifacts directory, beside the rejects; nothing when it has none.
func (out *Outcome) WriteArtifacts() error {
	if out.Protocol.Artifacts == "" {
		return nil
	}
	return out.WriteArtifactsTo(out.Protocol.Artifacts)
}

// WriteArtifactsTo writes report.html, profile.json (the column profiles,
// for the web server) and protocol.json into dir, beside
// the rejects: the directory the run wrote them into, when the protocol's
// artifacts name their place in a store the caller uploads them to.
func (out *Outcome) WriteArtifactsTo(dir string) error {
	p := out.Protocol
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create artifacts directory: %w", err)
	}
	d := &report.Data{Protocol: p, Project: out.migration, Customer: out.customer}
	for _, r := range out.results {
		d.Entities = append(d.Entities, report.EntityData{
			Name: r.counts.Name, Source: r.counts.Source, Columns: r.columns, Profile: r.profile,
			SampleRejects: r.sample, RejectsFile: r.counts.Rejects, RuleExamples: r.examples,
		})
	}
	// The report first, the protocol last: protocol.json is the record,
	// and it names the report only once the report is on disk.
	if err := writeFile(filepath.Join(dir, "report.html"), func(f *os.File) error {
		return report.WriteHTML(f, d)
	}); err != nil {
		return err
	}
	p.Report = "report.html"
	if err := writeFile(filepath.Join(dir, "profile.json"), func(f *os.File) error {
		return report.WriteProfile(f, d)
	}); err != nil {
		return err
	}
	return WriteProtocol(filepath.Join(dir, "protocol.json"), p)
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
