package state

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// claimValue is what a claim's fact holds: who holds it, and a token
// that makes this one claim's value unique (the compare of the
// compare-and-set).
type claimValue struct {
	Holder string `json:"holder"`
	Host   string `json:"host"`
	PID    int    `json:"pid"`
	Token  string `json:"token"`
}

// Claim takes key (a fact of the migration) for this process for up to
// ttl, unless a live claim holds it: one taken less than ttl ago by a
// process that is not known to be gone (a claim of a process of this host
// that has ended is taken over at once). It is a compare-and-set — an
// insert that does nothing on a conflict, or an update of exactly the
// stale claim it read — so of processes claiming key at once on one
// database, SQLite or PostgreSQL, one gets it. ok is false when another
// holds it. release (nil then) deletes the claim while it is still this
// one; a claim never released ends with its ttl.
func (s *Store) Claim(ctx context.Context, key string, ttl time.Duration) (release func(context.Context) error, ok bool, err error) {
	if err := s.writable("claim " + key); err != nil {
		return nil, false, err
	}
	token := make([]byte, 12)
	rand.Read(token)
	b, err := json.Marshal(claimValue{Holder: s.holder, Host: s.host, PID: s.pid, Token: hex.EncodeToString(token)})
	if err != nil {
		return nil, false, err
	}
	mine := string(b)
	release = func(ctx context.Context) error {
		_, err := s.db.ExecContext(ctx, s.q(`DELETE FROM facts WHERE migration = ? AND key = ? AND value = ?`), s.migration, key, mine)
		if err != nil {
			return fmt.Errorf("release %s: %w", key, err)
		}
		return nil
	}
	for range 3 { // a claim released between the insert and the read: again
		now := norm(s.now())
		res, err := s.db.ExecContext(ctx, s.q(`INSERT INTO facts (migration, key, value, at) VALUES (?, ?, ?, ?) ON CONFLICT (migration, key) DO NOTHING`),
			s.migration, key, mine, s.t(now))
		if won, err := affected(res, err); err != nil || won {
			return release, won, wrap("claim "+key, err)
		}
		var held string
		var at time.Time
		err = s.db.QueryRowContext(ctx, s.q(`SELECT value, at FROM facts WHERE migration = ? AND key = ?`), s.migration, key).Scan(&held, nullTime{&at})
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, false, fmt.Errorf("claim %s: %w", key, err)
		}
		if s.claimLive(held, at, now, ttl) {
			return nil, false, nil
		}
		res, err = s.db.ExecContext(ctx, s.q(`UPDATE facts SET value = ?, at = ? WHERE migration = ? AND key = ? AND value = ?`),
			mine, s.t(now), s.migration, key, held)
		won, err := affected(res, err)
		if err != nil || !won {
			return nil, false, wrap("claim "+key, err) // another took the stale claim first
		}
		return release, true, nil
	}
	return nil, false, nil
}

// claimLive reports whether the claim held, taken at at, still holds
// at now: younger than ttl, and not of a process of this host that is
// gone. A value that is no claim is taken for a live one (it is left alone).
func (s *Store) claimLive(held string, at, now time.Time, ttl time.Duration) bool {
	var c claimValue
	if err := json.Unmarshal([]byte(held), &c); err != nil || c.Token == "" {
		return true
	}
	if c.Host == s.host && !processAlive(c.PID) {
		return false
	}
	return !at.Add(ttl).Before(now)
}

// affected reports whether an insert or update changed a row.
func affected(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// wrap prefixes err with what was done; nil stays nil.
func wrap(doing string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", doing, err)
}
