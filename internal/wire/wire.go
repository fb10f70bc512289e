// Package wire builds the concrete application layer (internal/app) and
// the web server's backend on it (internal/server/local) for the front
// ends, which know only the contract (internal/usecase): cmd/handover
// hands these to the command line.
package wire

import (
	"context"
	"time"

	"github.com/handover/handover/internal/account"
	"github.com/handover/handover/internal/account/accountdb"
	"github.com/handover/handover/internal/app"
	"github.com/handover/handover/internal/server"
	"github.com/handover/handover/internal/server/local"
	"github.com/handover/handover/internal/usecase"
)

// Service is the application layer for one command.
func Service(c usecase.Config) usecase.Service {
	return app.New(appConfig(c))
}

func appConfig(c usecase.Config) app.Config {
	return app.Config{Version: c.Version, Now: c.Now, Getenv: c.Getenv, State: c.State, Memory: c.Memory, Hooks: c.Hooks}
}

// Served is the web server's backend over the projects sc names, on the
// application layer c describes; Close it.
func Served(ctx context.Context, c usecase.Config, sc usecase.ServeConfig) (interface {
	server.Service
	QueueDepth() int
	Close(grace time.Duration) error
}, error) {
	s, err := local.New(ctx, local.Config{Root: sc.Root, Project: sc.Project, App: app.New(appConfig(c)),
		ServerAudit: sc.ServerAudit, Now: sc.Now, Workers: sc.Workers, Slots: sc.Slots, Enqueue: sc.Enqueue, DeliveryLimits: sc.DeliveryLimits, Uploader: sc.Uploader})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Accounts opens the accounts in the state store named by dsn.
func Accounts(ctx context.Context, dsn string) (*account.Store, error) {
	return accountdb.OpenDSN(ctx, dsn)
}
