package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/handover/handover/internal/account"
	"github.com/handover/handover/internal/jobs"
	"github.com/handover/handover/internal/oidc"
	svc "github.com/handover/handover/internal/usecase"

	"github.com/handover/handover/internal/server"
)

// shutdownGrace is how long serve waits, after SIGTERM, for requests and
// running runs to finish; runs still going then are cancelled and roll back.
const shutdownGrace = 30 * time.Second

// oidcFlags configure the optional OpenID Connect login of serve.
type oidcFlags struct {
	issuer, clientID, secretFile, publicURL string
}

func (a *app) serveCommand() *cobra.Command {
	var addr, root, maxFile, maxDelivery string
	var workers int
	var of oidcFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Web dashboard, customer portal and JSON API",
		Long: `serve answers HTTP on --addr: the dashboard (migrations, environment lanes,
runbook, runs, rejects, sign-offs, audit) and the JSON API /api/v1 (documented
at /api/v1/openapi.json), for the accounts of ` + "`handover users`" + `.

With --root DIR every directory under DIR holding a handover.yaml is one
migration; without it, the project of -C DIR is served. Accounts and the
server's own audit entries live in the state store of --state (or
HANDOVER_STATE), else in DIR/.handover/state.db. Checks, imports and file
syncs started from the browser or the API are queued as River jobs and run
by --workers workers in this process (or by handover worker elsewhere),
under the account that started them: at most --workers runs at once in the
process, over all the migrations served (a run queued meanwhile waits; the
runs of one migration start in queue order). The process keeps to --memory
(or HANDOVER_MEMORY, default 256MiB), and its runs share it: each run's
budget is --memory divided by --workers (printed at start), however many
migrations are served, and past parts of its share a run's key indexes
spill to disk. SIGTERM stops accepting requests, lets running
runs finish (up to 30 s; after that they roll back) and exits.

Customers upload deliveries through the portal (POST
/api/v1/migrations/M/deliveries): each file may hold at most --max-file-size
and one delivery at most --max-delivery-size, unzipped (default: the
project's portal: max_file_size / max_delivery_size, else 1GiB and 4GiB).
An upload stored as an extraction whose check a killed server never queued
gets its check, audit entries and record when serve starts again: queued as
its uploader while that account still exists and may upload to the
migration (role and scope), else as the system ("handover"), the delivery's
audit entry naming the uploader and why the account was not used — once, also when several servers on one state store
start at once (the one holding the delivery's claim in the state store
settles it). A customer account lands on the portal of its migration (/portal/M): its
dates from the runbook, the import format (as handover docs) and the
template (as handover template) to download, the upload form with what was
detected in each file, each check's result in the customer's words with the
rejects workbook, the comparison with the previous delivery, Submit, and the
J-2 sign-off of preprod (refused before the runbook's customer_validation
step is due).

Browsers accept the session cookie (Secure, __Host-) on https:// and on
http://localhost; put a TLS proxy in front for anything else.

Single sign-on (optional): --oidc-issuer and --oidc-client-id name an OpenID
Connect provider; the login screen then offers it (authorization code flow
with PKCE, nonce and state). The client secret is read from
HANDOVER_OIDC_CLIENT_SECRET or from --oidc-client-secret-file, never from the
command line, and never printed. Register PUBLIC_URL/login/oidc/callback as
the redirect URI at the provider (--public-url, default http://ADDR). The ID
token's e-mail, verified by the provider, must be an account's
(handover users add); an unknown e-mail is refused. Logins and failed logins
are audited.`,
		Example: `  handover users add eva@vendor.example --name Eva --role engineer --password-stdin < pw.txt
  handover serve -C acme
  handover serve --root /srv/migrations --addr 127.0.0.1:8080 --workers 4
  HANDOVER_OIDC_CLIENT_SECRET=… handover serve -C acme --public-url https://handover.example.com \
      --oidc-issuer https://login.example.com/realms/acme --oidc-client-id handover`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			limits, err := deliveryLimits(maxFile, maxDelivery)
			if err != nil {
				return err
			}
			return a.serve(cmd.Context(), addr, root, workers, limits, of)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().StringVar(&root, "root", "", "serve every project under DIR (default: the project of -C)")
	cmd.Flags().IntVar(&workers, "workers", 2, "runs executing at once in this process, over all its migrations (River workers)")
	cmd.Flags().StringVar(&maxFile, "max-file-size", "", "most bytes one uploaded file (or zip member, unzipped) may hold, like 500MB (default: portal.max_file_size, else 1GiB)")
	cmd.Flags().StringVar(&maxDelivery, "max-delivery-size", "", "most bytes one uploaded delivery may hold, unzipped, like 2GB (default: portal.max_delivery_size, else 4GiB)")
	cmd.Flags().StringVar(&of.issuer, "oidc-issuer", "", "OpenID Connect provider's issuer URL: offer single sign-on")
	cmd.Flags().StringVar(&of.clientID, "oidc-client-id", "", "this server's client id at the OpenID Connect provider")
	cmd.Flags().StringVar(&of.secretFile, "oidc-client-secret-file", "", "file holding the client secret (else $HANDOVER_OIDC_CLIENT_SECRET)")
	cmd.Flags().StringVar(&of.publicURL, "public-url", "", "the address browsers reach this server at (default http://ADDR); the OIDC redirect URI is PUBLIC_URL/login/oidc/callback")
	return cmd
}

// uploaderOf verifies, for the recovery of an interrupted upload, that the
// account email still may deliver to migration m (server.Uploader): its
// actor, or why not.
func uploaderOf(accounts *account.Store) func(ctx context.Context, email, m string) (svc.Actor, string, error) {
	return func(ctx context.Context, email, m string) (svc.Actor, string, error) {
		acc, why, err := server.Uploader(ctx, accounts, email, m)
		if acc == nil {
			return svc.Actor{}, why, err
		}
		return svc.Actor{Name: acc.Email, Authenticated: true, Account: strconv.FormatInt(acc.ID, 10)}, "", nil
	}
}

// oidcProvider builds the OpenID Connect login of the flags; nil when not
// configured.
func (a *app) oidcProvider(ctx context.Context, addr string, of oidcFlags) (server.OIDC, error) {
	if of.issuer == "" && of.clientID == "" {
		if of.secretFile != "" {
			return nil, usageErr("--oidc-client-secret-file goes with --oidc-issuer and --oidc-client-id")
		}
		return nil, nil
	}
	if of.issuer == "" || of.clientID == "" {
		return nil, usageErr("single sign-on needs both --oidc-issuer and --oidc-client-id")
	}
	secret := a.getenv("HANDOVER_OIDC_CLIENT_SECRET")
	if of.secretFile != "" {
		b, err := os.ReadFile(of.secretFile)
		if err != nil {
			return nil, usageErr("--oidc-client-secret-file: %v", err)
		}
		secret = strings.TrimSpace(string(b))
	}
	public := strings.TrimRight(of.publicURL, "/")
	if public == "" {
		public = "http://" + addr
	}
	if u, err := url.Parse(public); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usageErr("--public-url %q: want http(s)://HOST[:PORT]", of.publicURL)
	}
	p, err := oidc.New(ctx, oidc.Config{Issuer: of.issuer, ClientID: of.clientID, ClientSecret: secret, RedirectURL: public + "/login/oidc/callback"})
	if err != nil {
		return nil, configErr(err)
	}
	return p, nil
}

// deliveryLimits reads --max-file-size and --max-delivery-size.
func deliveryLimits(maxFile, maxDelivery string) (svc.DeliveryLimits, error) {
	var l svc.DeliveryLimits
	var err error
	if maxFile != "" {
		if l.MaxFileSize, err = svc.ParseSize(maxFile); err != nil {
			return l, usageErr("--max-file-size: %v", err)
		}
	}
	if maxDelivery != "" {
		if l.MaxDeliverySize, err = svc.ParseSize(maxDelivery); err != nil {
			return l, usageErr("--max-delivery-size: %v", err)
		}
	}
	return l, nil
}

func (a *app) serve(ctx context.Context, addr, root string, workers int, limits svc.DeliveryLimits, of oidcFlags) error {
	if workers < 1 {
		return usageErr("--workers must be at least 1")
	}
	sso, err := a.oidcProvider(ctx, addr, of)
	if err != nil {
		return err
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
	cfg := svc.ServeConfig{Root: root, ServerAudit: accounts.Audit, Now: a.now, Workers: workers, DeliveryLimits: limits,
		Uploader: uploaderOf(accounts)}
	if root == "" {
		cfg.Project = abs
	}
	slots := jobs.NewSlots(workers) // one bound for the process, over every state store
	cfg.Slots = slots.Chan()        // fix-ups run in-process, in these slots too
	enqueue, depth, stopWorkers, err := a.serveWorkers(ctx, root, slots)
	if err != nil {
		return err
	}
	defer stopWorkers()
	cfg.Enqueue = enqueue
	served, err := a.backend.Served(ctx, a.config(), cfg)
	if err != nil {
		return configErr(err)
	}
	log := slog.New(slog.NewTextHandler(a.stderr, nil))
	srv, err := server.New(server.Config{Service: served, Accounts: accounts, Log: log, Now: a.now, QueueDepth: func() int { return depth() + served.QueueDepth() }, OIDC: sso})
	if err != nil {
		served.Close(0)
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		served.Close(0)
		return usageErr("listen on %s: %w", addr, err)
	}
	ms, _ := served.Migrations(ctx)
	fmt.Fprintf(a.stderr, "serving %d migration(s) on http://%s\n", len(ms), ln.Addr())
	serr := srv.Serve(ctx, ln, shutdownGrace)
	fmt.Fprintln(a.stderr, "shutting down: waiting for running runs")
	if err := served.Close(shutdownGrace); err != nil && serr == nil {
		serr = err
	}
	return serr
}

// serveWorkers starts River workers in this process for the served
// projects (at most slots.Size() runs at once, over all of them, fix-ups
// included) and returns how the server
// enqueues a run. stop waits for running runs (up to shutdownGrace, then
// they are cancelled and roll back) and closes the queues.
func (a *app) serveWorkers(ctx context.Context, root string, slots *jobs.Slots) (enqueue func(context.Context, svc.QueueRequest) (int, error), depth func() int, stop func(), err error) {
	groups, err := a.servedProjects(root)
	if err != nil {
		return nil, nil, nil, err
	}
	// before the service: its runs get their share
	a.shareMemory(slots.Size(), func(s string) { fmt.Fprintln(a.stderr, s) })
	service := a.service()
	queues := map[string]*jobs.Queue{} // by migration
	hard, cancelHard := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	var opened []*jobs.Queue
	stop = func() {
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(shutdownGrace):
			cancelHard()
			<-done
		}
		cancelHard()
		for _, q := range opened {
			q.Close()
		}
	}
	for dsn, projects := range groups {
		q, err := jobs.Open(ctx, dsn)
		if err != nil {
			stop()
			return nil, nil, nil, err
		}
		opened = append(opened, q)
		exec := &runExecutor{s: service, projects: map[string]string{}}
		cfg := jobs.ServeConfig{Slots: slots}
		for _, p := range projects {
			exec.projects[p.Migration] = p.Dir
			cfg.Migrations = append(cfg.Migrations, p.Migration)
			queues[p.Migration] = q
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := q.Serve(ctx, hard, exec, cfg); err != nil {
				fmt.Fprintf(a.stderr, "handover: workers of %v: %v\n", cfg.Migrations, err)
			}
		}()
	}
	enqueue = func(ctx context.Context, req svc.QueueRequest) (int, error) {
		p, err := service.Project(req.Project)
		if err != nil {
			return 0, err
		}
		q, ok := queues[p.Migration]
		if !ok {
			return 0, fmt.Errorf("no worker serves migration %q", p.Migration)
		}
		qr, err := service.Queue(ctx, req, jobQueue{q})
		if err != nil {
			return 0, err
		}
		return qr.Run, nil
	}
	// depth counts the queued runs not yet taken by a worker.
	depth = func() int {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n := 0
		for m, q := range queues {
			pending, err := q.Pending(ctx, m)
			if err == nil {
				n += len(pending)
			}
		}
		return n
	}
	return enqueue, depth, stop, nil
}
