package cli

import "github.com/handover/handover/internal/wire"

// backend is the concrete application layer, wired as cmd/handover does.
func backend() Backend {
	return Backend{Service: wire.Service, Served: wire.Served, Accounts: wire.Accounts}
}
