package account

import (
	"context"
	"errors"
	"time"
)

// ServerTenant is the state store tenant whose audit chain holds the
// server's own entries (logins, failed logins, account changes).
const ServerTenant = "handover-server"

// WithClose makes Close call fn (the state store the accounts were opened
// in, accountdb.OpenDSN).
func WithClose(fn func() error) Option { return func(s *Store) { s.closer = fn } }

// WithAudit makes Audit append to the server's audit chain through fn
// (accountdb.OpenDSN).
func WithAudit(fn func(ctx context.Context, actor, action, detail string, at time.Time) error) Option {
	return func(s *Store) { s.audit = fn }
}

// Audit appends an entry to the server's audit chain (accountdb.OpenDSN only).
func (s *Store) Audit(ctx context.Context, actor, action, detail string) error {
	if s.audit == nil {
		return errors.New("write the server's audit log: the accounts were not opened with accountdb.OpenDSN")
	}
	return s.audit(ctx, actor, action, detail, s.now())
}

// Close closes the state store when accountdb.OpenDSN opened it.
func (s *Store) Close() error {
	if s.closer == nil {
		return nil
	}
	return s.closer()
}
