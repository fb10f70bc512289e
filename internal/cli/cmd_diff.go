package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/handover/handover/internal/protocol"
)

func (a *app) diffCommand() *cobra.Command {
	var req runRequest
	cmd := &cobra.Command{
		Use:   "diff --env ENV",
		Short: "Show what an import of an extraction would insert, update and remove",
		Long: `diff transforms and validates the extraction like import, then compares
every valid row with the environment's bookkeeping (a fingerprint of the
row's canonical values per key) and prints, per entity, how many rows an
import would insert, update, leave unchanged, and — of the rows the
environment holds whose key the extraction no longer has — remove (policy
delete or flag in format.yaml removed:) or leave as they are (absent: policy
keep, rows already flagged, or deletions held back). For each it lists the
first 10 keys (in source order; removed and absent ones by target id) and,
for the updated ones, the fields that change, old → new.

A key counts as present when any row of the extraction has it, valid or
rejected: a row the customer broke is never removed for it. Rows filtered
out by a recipe's filter: are absent.

diff writes nothing: it runs inside a transaction that is rolled back,
holding the environment's lock meanwhile. It is recorded as a run of kind
"diff" with its protocol; --json prints the protocol with a "diff" object:

  {"run": 9, "kind": "diff", "env": "prod", "extraction": 2, …,
   "entities": [{"name": "contacts", "read": 1000, …, "inserted": 3,
                 "updated": 2, "unchanged": 995, "removed": 1, "absent": 0}],
   "diff": {"contacts": {
     "policy": "delete",
     "insert":    {"count": 3, "keys": ["C1001", "C1002", "C1003"]},
     "update":    {"count": 2, "keys": ["C7", "C9"],
                   "changes": [{"key": "C7", "fields": {"email": {"old": "a@x.ch", "new": "b@x.ch"}}}]},
     "unchanged": {"count": 995, "keys": ["C1", …]},
     "remove":    {"count": 1, "keys": ["C4"]},
     "absent":    {"count": 0, "keys": []}}}}

Values are canonical text ("" is null); a reference shows the referenced
row's key. A flagged row that comes back shows the field removed_at
cleared. The counts are exactly what import would report.`,
		Example: `  handover diff --env prod
  handover diff --env prod --extraction 2 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if req.env == "" {
				return usageErr("diff needs --env ENV")
			}
			req.kind = protocol.KindDiff
			return a.run(cmd.Context(), req)
		},
	}
	cmd.Flags().StringVar(&req.env, "env", "", "environment to compare with")
	cmd.Flags().IntVar(&req.extraction, "extraction", 0, "extraction number (default: as import, the newest submitted, else the newest)")
	lockFlag(cmd, &req.lockWait)
	return cmd
}

// writeDiff prints a diff run's sample keys and changes, per entity.
func writeDiff(w io.Writer, p *protocol.Protocol) {
	for _, e := range p.Entities {
		d := p.Diff[e.Name]
		if d == nil {
			continue
		}
		fmt.Fprintf(w, "%s (removed: %s)\n", e.Name, d.Policy)
		for _, s := range []struct {
			name string
			set  protocol.DiffSet
		}{{"insert", d.Insert}, {"update", d.Update.DiffSet}, {"remove", d.Remove}, {"absent", d.Absent}} {
			if s.set.Count > 0 {
				fmt.Fprintf(w, "  %-7s %d: %s\n", s.name, s.set.Count, sampleList(s.set))
			}
		}
		for _, c := range d.Update.Changes {
			fmt.Fprintf(w, "    %s: %s\n", c.Key, fieldChanges(c.Fields))
		}
	}
}

func sampleList(s protocol.DiffSet) string {
	out := strings.Join(s.Keys, ", ")
	if int64(len(s.Keys)) < s.Count {
		out += ", …"
	}
	return out
}

// fieldChanges renders `email "a@x.ch" → "b@x.ch", phone null → "+41…"`.
func fieldChanges(fields map[string]protocol.FieldChange) string {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + " " + quoteOrNull(fields[n].Old) + " → " + quoteOrNull(fields[n].New)
	}
	if len(parts) == 0 {
		return "no field differs from the stored row; rewritten to refresh its bookkeeping"
	}
	return strings.Join(parts, ", ")
}

func quoteOrNull(v string) string {
	if v == "" {
		return "null"
	}
	return fmt.Sprintf("%q", v)
}
