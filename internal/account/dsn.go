package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/handover/handover/internal/state"
)

// ServerTenant is the state store tenant whose audit chain holds the
// server's own entries (logins, failed logins, account changes).
const ServerTenant = "handover-server"

// OpenDSN opens the state store named by dsn (see state.Open) as the
// server's tenant, and the account tables in it; Close closes both.
func OpenDSN(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	st, err := state.Open(ctx, dsn, state.Options{Migration: ServerTenant})
	if err != nil {
		return nil, fmt.Errorf("open accounts: %w", err)
	}
	s, err := Open(ctx, st, opts...)
	if err != nil {
		st.Close()
		return nil, err
	}
	s.closer = st.Close
	s.audit = st.Audit
	return s, nil
}

// Audit appends an entry to the server's audit chain (OpenDSN only).
func (s *Store) Audit(ctx context.Context, actor, action, detail string) error {
	if s.audit == nil {
		return errors.New("write the server's audit log: the accounts were not opened with OpenDSN")
	}
	return s.audit(ctx, actor, action, detail, s.now())
}

// Close closes the state store when OpenDSN opened it.
func (s *Store) Close() error {
	if s.closer == nil {
		return nil
	}
	return s.closer()
}
