package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	svc "github.com/handover/handover/internal/usecase"
)

func (a *app) auditCommand() *cobra.Command {
	var verify bool
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Print the hash-chained audit log",
		Long: `audit prints the audit log: every run (with its status and hashes), sign-off,
refusal, refused or forced promotion, freeze, confirmation and change of the
recipes, format or lookup tables, oldest first. Each entry carries the hash of
the one before it, so a changed, inserted or removed entry breaks the chain.
--verify walks it and exits 1 naming each problem: changed_entry,
removed_entry, removed_tail (the chain no longer reaches the head an
environment recorded with its last import), forged_signoff (a sign-off row
without its audit entry: it counts for nothing) and unverifiable (keyed
entries, no key). With HANDOVER_AUDIT_KEY (or HANDOVER_AUDIT_KEY_FILE, a file
outside the state store) the chain is an HMAC chain that cannot be rewritten
without the key.`,
		Example: `  handover audit
  handover audit --verify
  HANDOVER_AUDIT_KEY_FILE=/etc/handover/audit.key handover audit --verify
  handover audit --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := a.service().Audit(cmd.Context(), svc.AuditRequest{Actor: a.actor(), Project: a.dir, Verify: verify})
			if err != nil {
				return err
			}
			return a.printAudit(res)
		},
	}
	cmd.Flags().BoolVar(&verify, "verify", false, "check the hash chain; exit 1 when it is broken")
	return cmd
}

func (a *app) printAudit(res *svc.AuditResult) error {
	entries, verify, bad := res.Entries, res.Verified, res.FirstBad
	if a.json {
		if err := a.printJSON(auditJSON(entries, verify, bad, res.Problems)); err != nil {
			return err
		}
	} else {
		writeAudit(a.stdout, entries, bad)
	}
	var problems []string
	for _, p := range res.Problems {
		problems = append(problems, p.String())
	}
	switch {
	case len(problems) > 0 && bad > 0:
		return fmt.Errorf("audit log damaged: entry %d was changed, inserted, or follows a removed entry (%s)", bad, strings.Join(problems, "; "))
	case len(problems) > 0:
		return fmt.Errorf("audit log damaged: %s", strings.Join(problems, "; "))
	case verify && !a.json:
		fmt.Fprintf(a.stdout, "audit log intact: %d entries, hash chain verified%s\n", len(entries), anchorsText(res))
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

// jsonProblem is one finding of --verify: kind changed_entry,
// removed_entry, removed_tail, forged_signoff or unverifiable.
type jsonProblem struct {
	Kind   string `json:"kind"`
	Seq    int64  `json:"seq,omitempty"`
	Run    int    `json:"run,omitempty"`
	Detail string `json:"detail"`
}

func auditJSON(entries []svc.AuditEntry, verify bool, bad int64, problems []svc.AuditProblem) any {
	out := struct {
		Entries  []jsonAuditEntry `json:"entries"`
		Verified *bool            `json:"verified,omitempty"` // with --verify: whether the chain is intact
		FirstBad int64            `json:"first_bad,omitempty"`
		Problems []jsonProblem    `json:"problems,omitempty"`
	}{Entries: []jsonAuditEntry{}, FirstBad: bad}
	if verify {
		ok := len(problems) == 0
		out.Verified = &ok
	}
	for _, p := range problems {
		out.Problems = append(out.Problems, jsonProblem{p.Kind, p.Seq, p.Run, p.Detail})
	}
	for _, e := range entries {
		out.Entries = append(out.Entries, jsonAuditEntry{e.Seq, e.At.UTC().Format(time.RFC3339), e.Actor, e.Action, e.Detail, e.PrevHash, e.Hash})
	}
	return out
}

func writeAudit(w io.Writer, entries []svc.AuditEntry, bad int64) {
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

// anchorsText names the environments whose recorded chain head the
// verification reached.
func anchorsText(res *svc.AuditResult) string {
	names := make([]string, 0, len(res.Anchors))
	for env := range res.Anchors {
		names = append(names, env)
	}
	if len(names) == 0 {
		return ""
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s (entry %d)", n, res.Anchors[n].Seq)
	}
	return "; it reaches the heads recorded in " + strings.Join(parts, ", ")
}
