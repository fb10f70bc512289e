package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SetFact records a small fact of the migration (such as the source
// freeze), replacing an earlier value. Facts are not audited by
// themselves: record what matters with Record.
func (s *Store) SetFact(ctx context.Context, key, value string, at time.Time) error {
	if err := s.writable("set " + key); err != nil {
		return err
	}
	if at.IsZero() {
		at = s.now()
	}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO facts (migration, key, value, at) VALUES (?, ?, ?, ?)
		ON CONFLICT (migration, key) DO UPDATE SET value = excluded.value, at = excluded.at`), s.migration, key, value, s.t(at))
	if err != nil {
		return fmt.Errorf("set %s: %w", key, err)
	}
	return nil
}

// Fact returns a fact's value and when it was set; ok is false when it was
// never set.
func (s *Store) Fact(ctx context.Context, key string) (value string, at time.Time, ok bool, err error) {
	err = s.db.QueryRowContext(ctx, s.q(`SELECT value, at FROM facts WHERE migration = ? AND key = ?`), s.migration, key).Scan(&value, nullTime{&at})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", time.Time{}, false, nil
	case err != nil:
		return "", time.Time{}, false, fmt.Errorf("read %s: %w", key, err)
	}
	return value, at, true, nil
}
