package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/handover/handover/internal/record"
)

// Approval is a sign-off on a run by a role, or a refusal.
type Approval = record.Approval

// AddApproval records a sign-off (or refusal) on an existing run of the
// migration, its audit entry (action approve or reject; a zero At is the
// store's clock) and events, in one transaction.
func (s *Store) AddApproval(ctx context.Context, a Approval, events ...OutboxEvent) error {
	switch {
	case a.Role == "":
		return fmt.Errorf("approve run %d: a role is required", a.Run)
	case a.By == "":
		return fmt.Errorf("approve run %d: a name (by) is required", a.Run)
	}
	if err := s.writable(fmt.Sprintf("approve run %d", a.Run)); err != nil {
		return err
	}
	run, err := s.Run(ctx, a.Run)
	if err != nil {
		return fmt.Errorf("approve run %d: %w", a.Run, err)
	}
	if a.At.IsZero() {
		a.At = s.now()
	}
	a.At = norm(a.At)
	action := ActionApprove
	if a.Refused {
		action = ActionReject
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		e := AuditEntry{At: a.At, Actor: a.By, Action: action, Detail: signoffText(a, run), Run: a.Run, Data: signoffData(a)}
		head, err := s.appendEntry(ctx, tx, e)
		if err != nil {
			return err
		}
		if err := s.insertApproval(ctx, tx, a, head.Seq); err != nil {
			return err
		}
		return s.enqueue(ctx, tx, events)
	})
	if err != nil {
		return fmt.Errorf("approve run %d: %w", a.Run, err)
	}
	return nil
}

func (s *Store) insertApproval(ctx context.Context, tx *sql.Tx, a Approval, seq int64) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO approvals (migration, run, role, by_name, authenticated, note, at, refused, audit_seq)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		s.migration, a.Run, a.Role, a.By, a.Authenticated, a.Note, s.t(a.At), a.Refused, seq)
	return err
}

// signoffText is the audit text of a sign-off: "run 3 (import into
// preprod): approved by anna (reviewer) 2026-12-08: "note"", marked
// "(unauthenticated)" unless an account signed. r may be nil.
func signoffText(a Approval, r *Run) string {
	verb := "approved"
	if a.Refused {
		verb = "refused"
	}
	what := fmt.Sprintf("run %d", a.Run)
	if r != nil {
		what = fmt.Sprintf("run %d (%s)", a.Run, r.Kind)
		if r.Env != "" {
			what = fmt.Sprintf("run %d (%s into %s)", a.Run, r.Kind, r.Env)
		}
	}
	s := fmt.Sprintf("%s: %s by %s (%s) %s", what, verb, a.By, a.Role, a.At.UTC().Format(time.DateOnly))
	if a.Note != "" {
		s += fmt.Sprintf(": %q", a.Note)
	}
	if !a.Authenticated {
		s += " (unauthenticated)"
	}
	return s
}

// signoffData is the part of a sign-off's audit entry its row must match.
func signoffData(a Approval) string {
	b, _ := json.Marshal(struct {
		Run           int    `json:"run"`
		Role          string `json:"role"`
		By            string `json:"by"`
		Authenticated bool   `json:"authenticated"`
		Note          string `json:"note"`
		At            string `json:"at"`
		Refused       bool   `json:"refused"`
	}{a.Run, a.Role, a.By, a.Authenticated, a.Note, norm(a.At).Format(timeLayout), a.Refused})
	return string(b)
}

// Approvals returns a run's sign-offs and refusals in the order given —
// only those backed by their audit entry (same content, valid hash). A
// row without one (inserted by hand, altered) is left out; VerifyAudit
// reports it.
func (s *Store) Approvals(ctx context.Context, run int) ([]Approval, error) {
	rows, err := s.approvalRows(ctx, run)
	if err != nil {
		return nil, fmt.Errorf("read approvals of run %d: %w", run, err)
	}
	var out []Approval
	seen := map[int64]bool{}
	for _, r := range rows {
		if r.trusted && !seen[r.Seq] {
			seen[r.Seq] = true
			out = append(out, r.Approval)
		}
	}
	return out, nil
}

// approvalRow is a row of the approvals table and whether its audit entry
// vouches for it.
type approvalRow struct {
	Approval
	id      int64
	trusted bool
	keyed   bool // its entry is keyed (unverifiable without the key)
}

// approvalRows reads the approvals of run (0: of every run) with their
// entries.
func (s *Store) approvalRows(ctx context.Context, run int) ([]approvalRow, error) {
	query := `SELECT a.id, a.run, a.role, a.by_name, a.authenticated, a.note, a.at, a.refused, a.audit_seq,
			e.seq, e.at, e.actor, e.action, e.detail, e.run, e.data, e.alg, e.prev_hash, e.hash
		FROM approvals a LEFT JOIN audit e ON e.migration = a.migration AND e.seq = a.audit_seq
		WHERE a.migration = ?`
	args := []any{s.migration}
	if run != 0 {
		query += ` AND a.run = ?`
		args = append(args, run)
	}
	rows, err := s.db.QueryContext(ctx, s.q(query+` ORDER BY a.id`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []approvalRow
	for rows.Next() {
		var r approvalRow
		var e nullEntry
		err := rows.Scan(&r.id, &r.Run, &r.Role, &r.By, &r.Authenticated, &r.Note, nullTime{&r.At}, &r.Refused, &r.Seq,
			&e.seq, nullTime{&e.e.At}, &e.actor, &e.action, &e.detail, &e.run, &e.data, &e.alg, &e.prev, &e.hash)
		if err != nil {
			return nil, err
		}
		r.trusted = s.vouches(e.entry(), r.Approval)
		r.keyed = e.alg.String == algHMAC
		out = append(out, r)
	}
	return out, rows.Err()
}

// vouches reports whether e is a valid sign-off entry for a.
func (s *Store) vouches(e *AuditEntry, a Approval) bool {
	if e == nil || e.Run != a.Run || e.Data != signoffData(a) {
		return false
	}
	switch e.Action {
	case ActionApprove, ActionReject, ActionAdopt:
	default:
		return false
	}
	h := s.entryHash(*e)
	return h != "" && h == e.Hash
}

// nullEntry scans the audit columns of a LEFT JOIN that may be NULL.
type nullEntry struct {
	e                                            AuditEntry
	seq                                          sql.NullInt64
	run                                          sql.NullInt64
	actor, action, detail, data, alg, prev, hash sql.NullString
}

func (n *nullEntry) entry() *AuditEntry {
	if !n.seq.Valid {
		return nil
	}
	e := n.e
	e.Seq, e.Run = n.seq.Int64, int(n.run.Int64)
	e.Actor, e.Action, e.Detail, e.Data = n.actor.String, n.action.String, n.detail.String, n.data.String
	e.Alg, e.PrevHash, e.Hash = n.alg.String, n.prev.String, n.hash.String
	return &e
}

// adoptApprovals binds the sign-offs of a schema-1 store to the chain: an
// entry each (action signoff_adopted), in the upgrade's transaction.
func (s *Store) adoptApprovals(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, s.q(`SELECT id, run, role, by_name, note, at, refused FROM approvals WHERE migration = ? AND audit_seq = 0 ORDER BY id`), s.migration)
	if err != nil {
		return err
	}
	var legacy []approvalRow
	for rows.Next() {
		var r approvalRow
		if err := rows.Scan(&r.id, &r.Run, &r.Role, &r.By, &r.Note, nullTime{&r.At}, &r.Refused); err != nil {
			rows.Close()
			return err
		}
		legacy = append(legacy, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range legacy {
		e := AuditEntry{Actor: "handover", Action: ActionAdopt, Run: r.Run, Data: signoffData(r.Approval),
			Detail: "recorded before the audit chain covered sign-offs: " + signoffText(r.Approval, nil)}
		head, err := s.appendEntry(ctx, tx, e)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE approvals SET audit_seq = ? WHERE id = ?`), head.Seq, r.id); err != nil {
			return err
		}
	}
	return nil
}
