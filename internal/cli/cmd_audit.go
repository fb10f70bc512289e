package cli

import (
	"context"
	"fmt"
	"io"
	"os/user"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/state"
)

// Audit actions.
const (
	actionRun           = "run"
	actionConfigChanged = "config_changed"
	actionRefused       = "promotion_refused"
	actionForce         = "force"
	actionApprove       = "approve"
	actionReject        = "reject"
	actionFreeze        = "freeze"
	actionConfirm       = "confirm"
)

// configFact holds the project hashes last written to the audit log.
const configFact = "audit:config_hashes"

func (a *app) auditCommand() *cobra.Command {
	var verify bool
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Print the hash-chained audit log",
		Long: `audit prints the audit log: every run (with its status and hashes), sign-off,
refusal, refused or forced promotion, freeze, confirmation and change of the
recipes, format or lookup tables, oldest first. Each entry carries the hash of
the one before it, so a changed, inserted or removed entry breaks the chain:
--verify walks it and exits 1 naming the first damaged entry.`,
		Example: `  handover audit
  handover audit --verify
  handover audit --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := a.project()
			if err != nil {
				return err
			}
			st, err := a.openState(cmd.Context(), p)
			if err != nil {
				return err
			}
			defer st.Close()
			return a.printAudit(cmd.Context(), st, verify)
		},
	}
	cmd.Flags().BoolVar(&verify, "verify", false, "check the hash chain; exit 1 when it is broken")
	return cmd
}

func (a *app) printAudit(ctx context.Context, st *state.Store, verify bool) error {
	entries, err := st.AuditLog(ctx)
	if err != nil {
		return err
	}
	var bad int64
	if verify {
		if bad, err = st.VerifyAudit(ctx); err != nil {
			return err
		}
	}
	if a.json {
		if err := a.printJSON(auditJSON(entries, verify, bad)); err != nil {
			return err
		}
	} else {
		writeAudit(a.stdout, entries, bad)
	}
	switch {
	case bad > 0:
		return fmt.Errorf("audit log damaged: entry %d was changed, inserted, or follows a removed entry", bad)
	case verify && !a.json:
		fmt.Fprintf(a.stdout, "audit log intact: %d entries, hash chain verified\n", len(entries))
	}
	return nil
}

type jsonAuditEntry struct {
	Seq      int64  `json:"seq"`
	At       string `json:"at"`
	Actor    string `json:"actor"`
	Action   string `json:"action"`
	Detail   string `json:"detail"`
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

func auditJSON(entries []state.AuditEntry, verify bool, bad int64) any {
	out := struct {
		Entries  []jsonAuditEntry `json:"entries"`
		Verified *bool            `json:"verified,omitempty"` // with --verify: whether the chain is intact
		FirstBad int64            `json:"first_bad,omitempty"`
	}{Entries: []jsonAuditEntry{}, FirstBad: bad}
	if verify {
		ok := bad == 0
		out.Verified = &ok
	}
	for _, e := range entries {
		out.Entries = append(out.Entries, jsonAuditEntry{e.Seq, e.At.UTC().Format(time.RFC3339), e.Actor, e.Action, e.Detail, e.PrevHash, e.Hash})
	}
	return out
}

func writeAudit(w io.Writer, entries []state.AuditEntry, bad int64) {
	if len(entries) == 0 {
		fmt.Fprintln(w, "the audit log is empty: runs, sign-offs and freezes are recorded here")
		return
	}
	for _, e := range entries {
		mark := " "
		if e.Seq == bad {
			mark = "!"
		}
		fmt.Fprintf(w, "%s%4d  %s  %-12s %-17s %s\n", mark, e.Seq, e.At.UTC().Format("2006-01-02 15:04:05Z"), e.Actor, e.Action, e.Detail)
	}
}

// actor is who runs handover: $HANDOVER_USER, else the OS user name.
func (a *app) actor() string {
	if u := strings.TrimSpace(a.getenv("HANDOVER_USER")); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}

// auditConfig records a config_changed entry when the project's hashes
// differ from the ones last recorded.
func (a *app) auditConfig(ctx context.Context, st *state.Store, p *project.Project) error {
	now := hashesText(p.Hashes)
	old, _, ok, err := st.Fact(ctx, configFact)
	if err != nil || old == now {
		return err
	}
	before := map[string]string{}
	if ok {
		for _, line := range strings.Split(old, "\n") {
			if k, v, found := strings.Cut(line, "="); found {
				before[k] = v
			}
		}
	}
	var changes []string
	for _, kv := range strings.Split(now, "\n") {
		k, v, _ := strings.Cut(kv, "=")
		if prev := before[k]; prev != v {
			if prev == "" {
				prev = "(none)"
			}
			changes = append(changes, fmt.Sprintf("%s %s → %s", k, prev, v))
		}
	}
	at := a.now()
	if err := st.Audit(ctx, a.actor(), actionConfigChanged, strings.Join(changes, "; "), at); err != nil {
		return err
	}
	return st.SetFact(ctx, configFact, now, at)
}

func hashesText(h project.Hashes) string {
	s := "recipes=" + h.Recipes + "\nformat=" + h.Format + "\nlookups=" + h.Lookups
	if h.Fixups != "" {
		s += "\nfixups=" + h.Fixups
	}
	return s
}

// runDetail describes a finished run for the audit log: what, status, hashes.
func runDetail(p *protocol.Protocol) string {
	var b strings.Builder
	fmt.Fprintf(&b, "run %d %s", p.Run, where(p.Kind, p.Env))
	fmt.Fprintf(&b, ", extraction %d: %s", p.Extraction, p.Status)
	if p.DryRun {
		b.WriteString(" (dry run)")
	}
	if p.Forced != "" {
		fmt.Fprintf(&b, " (forced: %s)", p.Forced)
	}
	fmt.Fprintf(&b, "; recipes %s, format %s", p.Hashes.Recipes, p.Hashes.Format)
	if p.Hashes.Lookups != "" {
		fmt.Fprintf(&b, ", lookups %s", p.Hashes.Lookups)
	}
	if p.Hashes.Fixups != "" {
		fmt.Fprintf(&b, ", fixups %s", p.Hashes.Fixups)
	}
	names := make([]string, 0, len(p.Hashes.Inputs))
	for n := range p.Hashes.Inputs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, ", %s %s", n, p.Hashes.Inputs[n])
	}
	return b.String()
}

// where is "import into dev" or "check".
func where(kind, env string) string {
	if env == "" {
		return kind
	}
	return kind + " into " + env
}
