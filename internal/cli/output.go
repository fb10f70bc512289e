package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/handover/handover/internal/protocol"
	svc "github.com/handover/handover/internal/usecase"
)

func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printProtocol prints a run's protocol: JSON under --json, a summary otherwise.
// dir is the project's directory: artifacts are shown relative to it.
func (a *app) printProtocol(dir string, proto *protocol.Protocol) error {
	if a.json {
		return a.printJSON(proto)
	}
	writeSummary(a.stdout, proto, relTo(dir, proto.Artifacts), false)
	return nil
}

// writeSummary prints a run's protocol for people; withError adds the
// run's error (a command that fails prints it once, on stderr, instead).
func writeSummary(w io.Writer, p *protocol.Protocol, artifacts string, withError bool) {
	head := fmt.Sprintf("run %d · %s", p.Run, p.Kind)
	if p.Env != "" && p.Kind == protocol.KindDiff {
		head += " against " + p.Env
	} else if p.Env != "" {
		head += " into " + p.Env
	}
	head += fmt.Sprintf(" · extraction %d · %s", p.Extraction, p.Status)
	switch {
	case p.DryRun:
		head += " (dry run, rolled back)"
	case p.Status == protocol.StatusGateFailed && p.Transaction == protocol.TransactionRolledBack:
		head += " (rolled back: the environment is as it was)"
	case p.Status == protocol.StatusGateFailed && p.Transaction == protocol.TransactionCommitted:
		head += " (committed anyway: on_gate_failure: commit)"
	}
	fmt.Fprintln(w, head)
	if len(p.Entities) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		loaded := p.Kind == protocol.KindImport || p.Kind == protocol.KindDiff
		width := len("entity")
		for _, e := range p.Entities {
			width = max(width, len(e.Name))
		}
		hdr := fmt.Sprintf("%-*s\tread\tfiltered\trejected\tvalid\t", width, "entity")
		if loaded {
			hdr += "inserted\tupdated\tunchanged\tremoved\tabsent\t"
		}
		fmt.Fprintln(tw, hdr)
		for _, e := range p.Entities {
			row := fmt.Sprintf("%-*s\t%d\t%d\t%d\t%d\t", width, e.Name, e.Read, e.Filtered, e.Rejected, e.Valid)
			if loaded {
				row += fmt.Sprintf("%d\t%d\t%d\t%d\t%d\t", e.Inserted, e.Updated, e.Unchanged, e.Removed, e.Absent)
			}
			fmt.Fprintln(tw, row)
		}
		tw.Flush()
	}
	writeDiff(w, p) // cmd_diff.go
	if t := p.Tests; t != nil {
		switch {
		case t.Error != "":
			fmt.Fprintf(w, "fixture tests: could not run (see the warnings)\n")
		default:
			fmt.Fprintf(w, "fixture tests: %d of %d cases passed\n", t.Passed, t.Cases)
		}
	}
	for _, e := range p.Entities {
		if len(e.RejectsByRule) == 0 {
			continue
		}
		var parts []string
		for _, k := range sortedKeys(e.RejectsByRule) {
			parts = append(parts, fmt.Sprintf("%s %d", k, e.RejectsByRule[k]))
		}
		fmt.Fprintf(w, "rejects %s: %s\n", e.Name, strings.Join(parts, ", "))
	}
	for _, c := range p.Gate.Checks {
		mark := "ok"
		if !c.Passed {
			mark = "FAILED"
		}
		name := c.Name
		if c.Entity != "" {
			name += " " + c.Entity
		}
		fmt.Fprintf(w, "gate %-32s %g (limit %g) %s\n", name, c.Value, c.Limit, mark)
	}
	writeFixups(w, p, artifacts)
	for _, warn := range p.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	if p.Error != "" && withError {
		fmt.Fprintf(w, "error: %s\n", p.Error)
	}
	if artifacts != "" && p.Report != "" { // only a report that was written
		fmt.Fprintf(w, "report: %s\n", artifactPath(artifacts, p.Report))
	}
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// most frequent first, then by name
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0; j-- {
			a, b := keys[j-1], keys[j]
			if m[a] > m[b] || (m[a] == m[b] && a < b) {
				break
			}
			keys[j-1], keys[j] = b, a
		}
	}
	return keys
}

// artifactPath names a file of a run's artifacts: below their directory,
// or their folder of a store URL (s3://BUCKET/PREFIX/runs/N).
func artifactPath(artifacts, name string) string {
	if strings.Contains(artifacts, "://") {
		return strings.TrimSuffix(artifacts, "/") + "/" + name
	}
	return filepath.Join(artifacts, filepath.FromSlash(name))
}

func relTo(base, path string) string {
	if path == "" {
		return ""
	}
	if r, err := filepath.Rel(base, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}

// barState is what a progress bar shows at one moment: a new phase (an
// entity, say) starts a new bar.
type barState struct {
	phase       string // "" while nothing has started
	desc        string
	done, total int64 // bytes
}

// progressBar draws a run's progress: rows and bytes per entity, or files
// and bytes of a transfer.
func (a *app) progressBar(p *svc.Progress) func() {
	return a.drawBar(func() barState {
		s := p.Snapshot()
		if s.Phase == "files" {
			return barState{phase: "files", desc: fmt.Sprintf("files %d/%d", s.FilesDone, s.FilesTotal),
				done: s.BytesDone, total: s.BytesTotal}
		}
		return barState{phase: s.Phase, desc: fmt.Sprintf("%-12s %9d rows", s.Phase, s.Rows),
			done: s.BytesDone, total: s.BytesTotal}
	})
}

// drawBar draws sample's state as a bar on stderr while it is a terminal
// and --json is off; the returned function stops it.
func (a *app) drawBar(sample func() barState) func() {
	f, ok := a.stderr.(*os.File)
	if a.json || !ok || !term.IsTerminal(int(f.Fd())) {
		return func() {}
	}
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		var bar *progressbar.ProgressBar
		phase := ""
		finish := func() {
			if bar != nil {
				bar.Finish()
				fmt.Fprintln(f)
			}
		}
		tick := time.NewTicker(150 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				finish()
				return
			case <-tick.C:
			}
			s := sample()
			if s.phase == "" {
				continue
			}
			if s.phase != phase {
				finish()
				phase = s.phase
				bar = progressbar.NewOptions64(s.total, progressbar.OptionSetWriter(f),
					progressbar.OptionShowBytes(true), progressbar.OptionSetWidth(30),
					progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionShowElapsedTimeOnFinish())
			}
			bar.Describe(s.desc)
			bar.Set64(s.done)
		}
	}()
	return func() { close(done); <-stopped }
}
