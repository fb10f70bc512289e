// Package accountdb opens the accounts in a state store named by its DSN:
// the state store (internal/state) as the server's tenant, and the account
// tables in it. Package account itself knows the database only as an
// interface, so the front ends can use accounts without the state store.
package accountdb

import (
	"context"
	"fmt"

	"github.com/handover/handover/internal/account"
	"github.com/handover/handover/internal/state"
)

// OpenDSN opens the state store named by dsn (see state.Open) as the
// server's tenant, and the account tables in it; Close closes both, Audit
// appends to the server's audit chain.
func OpenDSN(ctx context.Context, dsn string, opts ...account.Option) (*account.Store, error) {
	st, err := state.Open(ctx, dsn, state.Options{Migration: account.ServerTenant})
	if err != nil {
		return nil, fmt.Errorf("open accounts: %w", err)
	}
	s, err := account.Open(ctx, st, append(opts, account.WithClose(st.Close), account.WithAudit(st.Audit))...)
	if err != nil {
		st.Close()
		return nil, err
	}
	return s, nil
}
