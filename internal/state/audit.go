package state

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Approval is a sign-off on a run by a role, or a refusal.
type Approval struct {
	Run     int
	Role    string
	By      string
	Note    string
	At      time.Time
	Refused bool
}

// AuditEntry is one entry of the append-only audit log. Hash is
// sha256(PrevHash + canonical JSON of Seq, At, Actor, Action, Detail), so a
// changed or removed entry breaks the chain.
type AuditEntry struct {
	Seq      int64
	At       time.Time
	Actor    string
	Action   string
	Detail   string
	PrevHash string
	Hash     string
}

// AddApproval records a sign-off (or refusal) on an existing run.
func (s *Store) AddApproval(ctx context.Context, a Approval) error {
	switch {
	case a.Role == "":
		return fmt.Errorf("approve run %d: a role is required", a.Run)
	case a.By == "":
		return fmt.Errorf("approve run %d: a name (by) is required", a.Run)
	}
	if _, err := s.Run(ctx, a.Run); err != nil {
		return fmt.Errorf("approve run %d: %w", a.Run, err)
	}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO approvals (run, role, by_name, note, at, refused) VALUES (?, ?, ?, ?, ?, ?)`),
		a.Run, a.Role, a.By, a.Note, s.t(a.At), a.Refused)
	if err != nil {
		return fmt.Errorf("approve run %d: %w", a.Run, err)
	}
	return nil
}

// Approvals returns a run's approvals and refusals in the order given.
func (s *Store) Approvals(ctx context.Context, run int) ([]Approval, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT run, role, by_name, note, at, refused FROM approvals WHERE run = ? ORDER BY id`), run)
	if err != nil {
		return nil, fmt.Errorf("read approvals of run %d: %w", run, err)
	}
	defer rows.Close()
	var out []Approval
	for rows.Next() {
		var a Approval
		if err := rows.Scan(&a.Run, &a.Role, &a.By, &a.Note, nullTime{&a.At}, &a.Refused); err != nil {
			return nil, fmt.Errorf("read approvals of run %d: %w", run, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read approvals of run %d: %w", run, err)
	}
	return out, nil
}

// Audit appends an entry to the audit log.
func (s *Store) Audit(ctx context.Context, actor, action, detail string, at time.Time) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		e := AuditEntry{Seq: 1, At: norm(at), Actor: actor, Action: action, Detail: detail}
		err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&e.Seq, &e.PrevHash)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			e.Seq++
		}
		e.Hash = entryHash(e)
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO audit (seq, at, actor, action, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			e.Seq, s.t(e.At), e.Actor, e.Action, e.Detail, e.PrevHash, e.Hash)
		return err
	})
	if err != nil {
		return fmt.Errorf("write audit log: %w", err)
	}
	return nil
}

// AuditLog returns the whole audit log, oldest first.
func (s *Store) AuditLog(ctx context.Context) ([]AuditEntry, error) {
	var out []AuditEntry
	err := s.eachAudit(ctx, func(e AuditEntry) bool {
		out = append(out, e)
		return true
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// VerifyAudit walks the hash chain and returns the sequence number of the
// first entry that was changed, inserted or follows a removed one; 0 when
// the log is intact.
func (s *Store) VerifyAudit(ctx context.Context) (int64, error) {
	var bad int64
	want := AuditEntry{Seq: 1}
	err := s.eachAudit(ctx, func(e AuditEntry) bool {
		if e.Seq != want.Seq || e.PrevHash != want.PrevHash || entryHash(e) != e.Hash {
			bad = e.Seq
			return false
		}
		want = AuditEntry{Seq: e.Seq + 1, PrevHash: e.Hash}
		return true
	})
	return bad, err
}

// eachAudit calls fn for each entry in sequence until it returns false.
func (s *Store) eachAudit(ctx context.Context, fn func(AuditEntry) bool) error {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, at, actor, action, detail, prev_hash, hash FROM audit ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.Seq, nullTime{&e.At}, &e.Actor, &e.Action, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return fmt.Errorf("read audit log: %w", err)
		}
		if !fn(e) {
			return nil
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read audit log: %w", err)
	}
	return nil
}

// entryHash is sha256(PrevHash + canonical JSON of the entry), hex.
func entryHash(e AuditEntry) string {
	canon, _ := json.Marshal(struct {
		Seq    int64  `json:"seq"`
		At     string `json:"at"`
		Actor  string `json:"actor"`
		Action string `json:"action"`
		Detail string `json:"detail"`
	}{e.Seq, norm(e.At).Format(timeLayout), e.Actor, e.Action, e.Detail})
	sum := sha256.Sum256(append([]byte(e.PrevHash), canon...))
	return hex.EncodeToString(sum[:])
}

// SetFact records a small project fact (such as the source freeze),
// replacing an earlier value.
func (s *Store) SetFact(ctx context.Context, key, value string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO facts (key, value, at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, at = excluded.at`), key, value, s.t(at))
	if err != nil {
		return fmt.Errorf("set %s: %w", key, err)
	}
	return nil
}

// Fact returns a fact's value and when it was set; ok is false when it was
// never set.
func (s *Store) Fact(ctx context.Context, key string) (value string, at time.Time, ok bool, err error) {
	err = s.db.QueryRowContext(ctx, s.q(`SELECT value, at FROM facts WHERE key = ?`), key).Scan(&value, nullTime{&at})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", time.Time{}, false, nil
	case err != nil:
		return "", time.Time{}, false, fmt.Errorf("read %s: %w", key, err)
	}
	return value, at, true, nil
}
