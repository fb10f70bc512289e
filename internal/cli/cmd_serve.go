package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/handover/handover/internal/server"
	"github.com/handover/handover/internal/server/local"
)

// shutdownGrace is how long serve waits, after SIGTERM, for requests and
// running runs to finish; runs still going then are cancelled and roll back.
const shutdownGrace = 30 * time.Second

func (a *app) serveCommand() *cobra.Command {
	var addr, root string
	var workers int
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Web dashboard, customer portal and JSON API",
		Long: `serve answers HTTP on --addr: the dashboard (migrations, environment lanes,
runbook, runs, rejects, sign-offs, audit) and the JSON API /api/v1 (documented
at /api/v1/openapi.json), for the accounts of ` + "`handover users`" + `.

With --root DIR every directory under DIR holding a handover.yaml is one
migration; without it, the project of -C DIR is served. Accounts and the
server's own audit entries live in the state store of --state (or
HANDOVER_STATE), else in DIR/.handover/state.db. Checks and imports started
from the browser or the API run on --workers in-process workers, under the
account that started them. SIGTERM stops accepting requests, lets running
runs finish (up to 30 s; after that they roll back) and exits.

Browsers accept the session cookie (Secure, __Host-) on https:// and on
http://localhost; put a TLS proxy in front for anything else.`,
		Example: `  handover users add eva@vendor.example --name Eva --role engineer --password-stdin < pw.txt
  handover serve -C acme
  handover serve --root /srv/migrations --addr 127.0.0.1:8080 --workers 4`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.serve(cmd.Context(), addr, root, workers)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().StringVar(&root, "root", "", "serve every project under DIR (default: the project of -C)")
	cmd.Flags().IntVar(&workers, "workers", 2, "runs executing at once")
	return cmd
}

func (a *app) serve(ctx context.Context, addr, root string, workers int) error {
	if workers < 1 {
		return usageErr("--workers must be at least 1")
	}
	dir := a.dir
	if root != "" {
		dir = root
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return configErr(err)
	}
	saved := a.dir
	a.dir = abs
	accounts, err := a.accounts(ctx) // the same store as `handover -C DIR users`
	a.dir = saved
	if err != nil {
		return err
	}
	defer accounts.Close()
	cfg := local.Config{Root: root, App: a.service(), ServerAudit: accounts.Audit, Now: a.now, Workers: workers}
	if root == "" {
		cfg.Project = abs
	}
	svc, err := local.New(ctx, cfg)
	if err != nil {
		return configErr(err)
	}
	log := slog.New(slog.NewTextHandler(a.stderr, nil))
	srv, err := server.New(server.Config{Service: svc, Accounts: accounts, Log: log, Now: a.now, QueueDepth: svc.QueueDepth})
	if err != nil {
		svc.Close(0)
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		svc.Close(0)
		return usageErr("listen on %s: %w", addr, err)
	}
	ms, _ := svc.Migrations(ctx)
	fmt.Fprintf(a.stderr, "serving %d migration(s) on http://%s\n", len(ms), ln.Addr())
	serr := srv.Serve(ctx, ln, shutdownGrace)
	fmt.Fprintln(a.stderr, "shutting down: waiting for running runs")
	if err := svc.Close(shutdownGrace); err != nil && serr == nil {
		serr = err
	}
	return serr
}
