package state

import (
	"context"
	"fmt"
	"strings"

	"github.com/handover/handover/internal/record"
)

// Kinds of audit problems VerifyAudit reports.
const (
	ProblemChanged       = "changed_entry"  // an entry's content no longer matches its hash, or it was replaced
	ProblemRemoved       = "removed_entry"  // entries missing inside the chain
	ProblemRemovedTail   = "removed_tail"   // the chain no longer reaches an anchor
	ProblemForgedSignoff = "forged_signoff" // an approvals row without its valid audit entry
	ProblemUnverifiable  = "unverifiable"   // keyed entries, but no key to check them
)

// Problem is one finding of VerifyAudit.
type Problem = record.Problem

// Verification is VerifyAudit's report.
type Verification struct {
	Entries  int
	Keyed    int    // entries with an HMAC
	Head     Anchor // the newest entry
	Problems []Problem
}

// OK reports whether nothing was found.
func (v *Verification) OK() bool { return len(v.Problems) == 0 }

// Err is nil for an intact chain, else an error listing the problems.
func (v *Verification) Err() error {
	if v.OK() {
		return nil
	}
	msgs := make([]string, len(v.Problems))
	for i, p := range v.Problems {
		msgs[i] = p.String()
	}
	return fmt.Errorf("audit chain damaged: %s", strings.Join(msgs, "; "))
}

// VerifyAudit walks the migration's chain and reports every changed entry,
// removed entry, removed tail (an anchor — a head recorded elsewhere, such
// as in an environment's database — that the chain no longer holds) and
// forged sign-off row. With an audit key, an unkeyed entry after a keyed
// one counts as changed; without it, keyed entries are unverifiable.
func (s *Store) VerifyAudit(ctx context.Context, anchors ...Anchor) (*Verification, error) {
	v := &Verification{}
	hashes := map[int64]string{}
	var prev AuditEntry
	keyed, unverifiable := false, 0
	bad := int64(-1) // the last entry reported, so that one change is one problem
	err := s.eachAudit(ctx, func(e AuditEntry) bool {
		v.Entries++
		hashes[e.Seq] = e.Hash
		switch {
		case e.Seq != prev.Seq+1:
			v.add(ProblemRemoved, e.Seq, 0, fmt.Sprintf("entry %s before entry %d is missing", span(prev.Seq+1, e.Seq-1), e.Seq))
		case e.PrevHash != prev.Hash && bad != prev.Seq:
			v.add(ProblemChanged, e.Seq, 0, fmt.Sprintf("entry %d does not follow entry %d: one of them was changed or replaced", e.Seq, prev.Seq))
			bad = e.Seq
		}
		switch h := s.entryHash(e); {
		case bad == e.Seq:
		case h == "" && e.Alg == algHMAC:
			unverifiable++
		case h != e.Hash:
			v.add(ProblemChanged, e.Seq, e.Run, fmt.Sprintf("entry %d (%s) does not match its hash", e.Seq, e.Action))
			bad = e.Seq
		case keyed && e.Alg != algHMAC:
			v.add(ProblemChanged, e.Seq, e.Run, fmt.Sprintf("entry %d (%s) is not keyed although earlier entries are", e.Seq, e.Action))
			bad = e.Seq
		}
		if e.Alg == algHMAC {
			keyed = true
			v.Keyed++
		}
		prev = e
		return true
	})
	if err != nil {
		return nil, err
	}
	v.Head = Anchor{Seq: prev.Seq, Hash: prev.Hash}
	if unverifiable > 0 {
		v.add(ProblemUnverifiable, 0, 0, fmt.Sprintf("%d entries are keyed: set HANDOVER_AUDIT_KEY or HANDOVER_AUDIT_KEY_FILE to verify them", unverifiable))
	}
	v.checkAnchors(anchors, hashes)
	if err := s.checkSignoffs(ctx, v); err != nil {
		return nil, err
	}
	return v, nil
}

func (v *Verification) add(kind string, seq int64, run int, detail string) {
	v.Problems = append(v.Problems, Problem{Kind: kind, Seq: seq, Run: run, Detail: detail})
}

// checkAnchors reports each anchor the chain no longer holds as it was.
func (v *Verification) checkAnchors(anchors []Anchor, hashes map[int64]string) {
	for _, a := range anchors {
		h, ok := hashes[a.Seq]
		switch {
		case a.Seq <= 0:
		case a.Seq > v.Head.Seq:
			v.add(ProblemRemovedTail, a.Seq, 0, fmt.Sprintf("the chain ends at entry %d, but entry %d was recorded as its head", v.Head.Seq, a.Seq))
		case ok && h != a.Hash:
			v.add(ProblemRemovedTail, a.Seq, 0, fmt.Sprintf("entry %d is not the one recorded as head (%s…): the chain was cut back behind it", a.Seq, short(a.Hash)))
		}
	}
}

// checkSignoffs reports approvals rows that no valid entry vouches for.
func (s *Store) checkSignoffs(ctx context.Context, v *Verification) error {
	rows, err := s.approvalRows(ctx, 0)
	if err != nil {
		return fmt.Errorf("verify sign-offs: %w", err)
	}
	for _, r := range rows {
		if !r.trusted && !(r.keyed && s.key == nil) { // without the key: reported as unverifiable
			v.add(ProblemForgedSignoff, r.Seq, r.Run, fmt.Sprintf("the sign-off of run %d by %s as %s has no valid audit entry: it does not count", r.Run, r.By, r.Role))
		}
	}
	return nil
}

func span(from, to int64) string {
	if from == to {
		return fmt.Sprint(from)
	}
	return fmt.Sprintf("%d–%d", from, to)
}

// FirstBad is the first entry that was changed or follows removed ones;
// 0 when none was.
func (v *Verification) FirstBad() int64 {
	for _, p := range v.Problems {
		if p.Kind == ProblemChanged || p.Kind == ProblemRemoved {
			return p.Seq
		}
	}
	return 0
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
