package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

const (
	kindSession = "session"
	kindToken   = "token"

	// SessionTTL is how long a browser session lasts after login.
	SessionTTL = 12 * time.Hour
)

// never is the expiry of API tokens: they last until the account is
// removed or a new token replaces them.
var never = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// NewSession starts a browser session for the account and returns its
// secret (for the cookie); only its hash is stored.
func (s *Store) NewSession(ctx context.Context, id int64) (string, error) {
	now := s.now().UTC()
	token, hash, err := newSecret("hos_")
	if err != nil {
		return "", err
	}
	_, err = s.db.ExecContext(ctx, s.q(`INSERT INTO account_sessions (hash, account, kind, created, expires) VALUES (?, ?, ?, ?, ?)`),
		hash, id, kindSession, s.t(now), s.t(now.Add(SessionTTL)))
	if err != nil {
		return "", fmt.Errorf("start session: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM account_sessions WHERE expires < ?`), s.t(now)); err != nil {
		return "", fmt.Errorf("start session: remove expired sessions: %w", err)
	}
	return token, nil
}

// NewToken replaces the account's API token with a new one and returns it;
// it is shown once, only its hash is stored.
func (s *Store) NewToken(ctx context.Context, email string) (string, error) {
	email = NormEmail(email)
	token, hash, err := newSecret("hot_")
	if err != nil {
		return "", err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, s.q(`SELECT id FROM accounts WHERE email = ?`), email).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM account_sessions WHERE account = ? AND kind = ?`), id, kindToken); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO account_sessions (hash, account, kind, created, expires) VALUES (?, ?, ?, ?, ?)`),
			hash, id, kindToken, s.t(s.now().UTC()), s.t(never))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("new API token for %s: %w", email, err)
	}
	return token, nil
}

// SessionAccount returns the account of a live browser session.
func (s *Store) SessionAccount(ctx context.Context, token string) (*Account, error) {
	return s.bySecret(ctx, token, kindSession)
}

// TokenAccount returns the account of an API token.
func (s *Store) TokenAccount(ctx context.Context, token string) (*Account, error) {
	return s.bySecret(ctx, token, kindToken)
}

func (s *Store) bySecret(ctx context.Context, token, kind string) (*Account, error) {
	if token == "" {
		return nil, ErrNoSession
	}
	var id int64
	var expires time.Time
	err := s.db.QueryRowContext(ctx, s.q(`SELECT account, expires FROM account_sessions WHERE hash = ? AND kind = ?`),
		hashSecret(token), kind).Scan(&id, nullTime{&expires})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", kind, err)
	}
	if !s.now().Before(expires) {
		return nil, ErrNoSession
	}
	a, err := s.ByID(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrNoSession
	}
	return a, err
}

// EndSession deletes a browser session (logout); an unknown one is no
// error.
func (s *Store) EndSession(ctx context.Context, token string) error {
	_, err := s.db.ExecContext(ctx, s.q(`DELETE FROM account_sessions WHERE hash = ? AND kind = ?`), hashSecret(token), kindSession)
	if err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// timeLayout stores SQLite times as fixed-width UTC text.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func (s *Store) t(v time.Time) any {
	v = v.Truncate(time.Microsecond).UTC()
	if s.postgres {
		return v
	}
	return v.Format(timeLayout)
}

// nullTime scans a time stored by either backend.
type nullTime struct{ t *time.Time }

func (n nullTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n.t = time.Time{}
	case time.Time:
		*n.t = v.UTC()
	case string:
		return n.parse(v)
	case []byte:
		return n.parse(string(v))
	default:
		return fmt.Errorf("scan time: unexpected %T", src)
	}
	return nil
}

func (n nullTime) parse(v string) error {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return fmt.Errorf("scan time: %w", err)
	}
	*n.t = t.UTC()
	return nil
}
