package state

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"os"
	"strings"
	"time"

	"github.com/handover/handover/internal/record"
)

// Audit actions the store writes itself; callers add their own (such as
// "config_changed", "promotion_refused", "force", "freeze").
const (
	ActionRun     = "run"             // a run's outcome (FinishRun, Reap)
	ActionApprove = "approve"         // a sign-off (AddApproval)
	ActionReject  = "reject"          // a refusal (AddApproval)
	ActionAdopt   = "signoff_adopted" // a schema-1 sign-off, bound to the chain by the upgrade
)

// Hash algorithms of audit entries.
const (
	algV1   = "v1"          // schema 1: sha256 over seq, at, actor, action, detail
	algSHA  = "sha256"      // sha256 over every field
	algHMAC = "hmac-sha256" // HMAC-SHA256 with the audit key over every field
)

// ErrAuditKeyRequired is matched by the error of a write to a keyed
// audit chain by a store opened without the key.
var ErrAuditKeyRequired = errors.New("the audit chain is keyed: set HANDOVER_AUDIT_KEY or HANDOVER_AUDIT_KEY_FILE")

// AuditEntry is one entry of the audit chain.
type AuditEntry = record.AuditEntry

// Anchor is a chain head.
type Anchor = record.Anchor

// Audit appends an entry to the migration's audit chain; a zero at is the
// store's clock.
func (s *Store) Audit(ctx context.Context, actor, action, detail string, at time.Time) error {
	_, err := s.Record(ctx, AuditEntry{At: at, Actor: actor, Action: action, Detail: detail})
	return err
}

// Record appends e (its Seq, hashes and Alg are set here; a zero At is the
// store's clock) and writes events to the outbox in the same transaction.
// It returns the new chain head.
func (s *Store) Record(ctx context.Context, e AuditEntry, events ...OutboxEvent) (Anchor, error) {
	if err := s.writable("write audit log"); err != nil {
		return Anchor{}, err
	}
	var head Anchor
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if head, err = s.appendEntry(ctx, tx, e); err != nil {
			return err
		}
		return s.enqueue(ctx, tx, events)
	})
	if err != nil {
		return Anchor{}, fmt.Errorf("write audit log: %w", err)
	}
	return head, nil
}

// appendEntry appends e in tx and returns the new head. A lost race for
// the sequence number is a unique violation that inTx retries.
func (s *Store) appendEntry(ctx context.Context, tx *sql.Tx, e AuditEntry) (Anchor, error) {
	if e.At.IsZero() {
		e.At = s.now()
	}
	e.At, e.Seq, e.Alg = norm(e.At), 1, algSHA
	if s.key != nil {
		e.Alg = algHMAC
	}
	var lastAlg string
	err := tx.QueryRowContext(ctx, s.q(`SELECT seq, hash, alg FROM audit WHERE migration = ? ORDER BY seq DESC LIMIT 1`), s.migration).
		Scan(&e.Seq, &e.PrevHash, &lastAlg)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return Anchor{}, err
	default:
		e.Seq++
	}
	if s.key == nil && lastAlg != "" {
		var keyed bool
		err := tx.QueryRowContext(ctx, s.q(`SELECT EXISTS (SELECT 1 FROM audit WHERE migration = ? AND alg = ?)`), s.migration, algHMAC).Scan(&keyed)
		if err != nil {
			return Anchor{}, err
		}
		if keyed {
			return Anchor{}, ErrAuditKeyRequired
		}
	}
	e.Hash = s.entryHash(e)
	_, err = tx.ExecContext(ctx, s.q(`INSERT INTO audit (migration, seq, at, actor, action, detail, run, data, alg, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		s.migration, e.Seq, s.t(e.At), e.Actor, e.Action, e.Detail, e.Run, e.Data, e.Alg, e.PrevHash, e.Hash)
	return Anchor{Seq: e.Seq, Hash: e.Hash}, err
}

// AuditHead returns the newest entry's {seq, hash}; the zero Anchor for
// an empty chain.
func (s *Store) AuditHead(ctx context.Context) (Anchor, error) {
	var a Anchor
	err := s.db.QueryRowContext(ctx, s.q(`SELECT seq, hash FROM audit WHERE migration = ? ORDER BY seq DESC LIMIT 1`), s.migration).
		Scan(&a.Seq, &a.Hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Anchor{}, fmt.Errorf("read audit head: %w", err)
	}
	return a, nil
}

// AuditLog returns the migration's whole audit chain, oldest first.
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

const auditColumns = `seq, at, actor, action, detail, run, data, alg, prev_hash, hash`

func scanEntry(sc scanner) (AuditEntry, error) {
	var e AuditEntry
	err := sc.Scan(&e.Seq, nullTime{&e.At}, &e.Actor, &e.Action, &e.Detail, &e.Run, &e.Data, &e.Alg, &e.PrevHash, &e.Hash)
	return e, err
}

// eachAudit calls fn for each entry in sequence until it returns false.
func (s *Store) eachAudit(ctx context.Context, fn func(AuditEntry) bool) error {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+auditColumns+` FROM audit WHERE migration = ? ORDER BY seq`), s.migration)
	if err != nil {
		return fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
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

// entryHash is e's hash by its Alg, hex; "" when it cannot be computed
// (a keyed entry without the key, an unknown algorithm).
func (s *Store) entryHash(e AuditEntry) string {
	var h hash.Hash
	switch e.Alg {
	case algV1:
		canon, _ := json.Marshal(struct {
			Seq    int64  `json:"seq"`
			At     string `json:"at"`
			Actor  string `json:"actor"`
			Action string `json:"action"`
			Detail string `json:"detail"`
		}{e.Seq, norm(e.At).Format(timeLayout), e.Actor, e.Action, e.Detail})
		sum := sha256.Sum256(append([]byte(e.PrevHash), canon...))
		return hex.EncodeToString(sum[:])
	case algSHA:
		h = sha256.New()
	case algHMAC:
		if s.key == nil {
			return ""
		}
		h = hmac.New(sha256.New, s.key)
	default:
		return ""
	}
	canon, _ := json.Marshal(struct {
		Migration string `json:"migration"`
		Seq       int64  `json:"seq"`
		At        string `json:"at"`
		Actor     string `json:"actor"`
		Action    string `json:"action"`
		Detail    string `json:"detail"`
		Run       int    `json:"run"`
		Data      string `json:"data"`
	}{s.migration, e.Seq, norm(e.At).Format(timeLayout), e.Actor, e.Action, e.Detail, e.Run, e.Data})
	h.Write([]byte(e.PrevHash))
	h.Write(canon)
	return hex.EncodeToString(h.Sum(nil))
}

// minKeyLen is the shortest audit key accepted, in bytes.
const minKeyLen = 16

// LoadAuditKey reads the audit key from HANDOVER_AUDIT_KEY, or from the
// file HANDOVER_AUDIT_KEY_FILE names (kept outside the state store; its
// content trimmed of surrounding white space). Neither set: nil, a plain
// chain. The key is never part of an error.
func LoadAuditKey(getenv func(string) string) ([]byte, error) {
	key, file := getenv("HANDOVER_AUDIT_KEY"), getenv("HANDOVER_AUDIT_KEY_FILE")
	switch {
	case key != "" && file != "":
		return nil, errors.New("audit key: set HANDOVER_AUDIT_KEY or HANDOVER_AUDIT_KEY_FILE, not both")
	case file != "":
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("audit key: read HANDOVER_AUDIT_KEY_FILE: %w", err)
		}
		key = strings.TrimSpace(string(data))
		if len(key) < minKeyLen {
			return nil, fmt.Errorf("audit key: %s holds %d bytes, want at least %d", file, len(key), minKeyLen)
		}
	case key == "":
		return nil, nil
	case len(key) < minKeyLen:
		return nil, fmt.Errorf("audit key: HANDOVER_AUDIT_KEY has %d bytes, want at least %d", len(key), minKeyLen)
	}
	return []byte(key), nil
}
