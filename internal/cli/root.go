// Package cli is handover's command line: cobra commands over the engine,
// the stores and the loaders. Every command that reports has --json.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/handover/handover/internal/account"
	"github.com/handover/handover/internal/server"
	svc "github.com/handover/handover/internal/usecase"
)

// Version is handover's version, written into every protocol.
const Version = "0.1.0"

// Exit codes of DESIGN.md.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
	exitGate   = 3
)

// app carries what every command needs: flags, writers, environment, clock.
type app struct {
	dir  string // -C
	json bool
	// jsonArg: --json is among the arguments (known even when cobra fails
	// before it parses the flags).
	jsonArg bool
	out     *watchedWriter // stdout, telling whether a command printed anything
	state   string         // --state DSN
	stdin   io.Reader
	stdout  io.Writer
	stderr  io.Writer
	getenv  func(string) string
	now     func() time.Time

	memory string // --memory
	// budget is what the runs of this process may hold together (the
	// runtime's soft limit applyMemoryLimit set); 0 for a command that
	// runs no rows. runs is how many runs the process executes at once
	// (serve, worker; 1 when 0): each gets budget / runs.
	budget int64
	runs   int

	cpuProfile, memProfile string
	traceOut               string
	profileFile, traceFile *os.File

	hooks   svc.Hooks // test hooks of the application layer
	backend Backend
}

// Backend is what cmd/handover wires the command line to (package wire):
// the application layer, and the web server's backend built on it for
// handover serve. The command line knows only their contract (package
// usecase).
type Backend struct {
	Service svc.New
	Served  func(ctx context.Context, c svc.Config, sc svc.ServeConfig) (Served, error)
	// Accounts opens the accounts in the state store named by dsn.
	Accounts func(ctx context.Context, dsn string) (*account.Store, error)
}

// Served is the web server's backend: the server's use cases, the runs
// waiting for a worker, and Close, which waits for running runs up to grace.
type Served = interface {
	server.Service
	QueueDepth() int
	Close(grace time.Duration) error
}

// config is the application layer's configuration for this command: the
// command line's clock, environment, state store and each run's memory
// budget.
func (a *app) config() svc.Config {
	return svc.Config{Version: Version, Now: a.now, Getenv: a.getenv, State: a.state, Memory: a.runMemory(), Hooks: a.hooks}
}

// service is the application layer for this command.
func (a *app) service() svc.Service { return a.backend.Service(a.config()) }

// actor is who runs handover: $HANDOVER_USER, else the OS user name,
// unauthenticated.
func (a *app) actor() svc.Actor { return svc.LocalActor(a.getenv) }

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, a ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, a...)}
}

func configErr(err error) error { return &exitError{code: exitUsage, err: err} }

// gateFailed is returned after the output was printed, for exit code 3.
var errGateFailed = errors.New("the quality gate failed")

// Main runs the command line and returns the exit code.
func Main(b Backend, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return MainContext(ctx, b, args, stdin, stdout, stderr, getenv)
}

// MainContext is Main under ctx, without signal handling: the server runs
// commands in-process with it.
func MainContext(ctx context.Context, b Backend, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	return mainWith(ctx, b, svc.Hooks{}, args, stdin, stdout, stderr, getenv)
}

// mainWith is MainContext with the application layer's test hooks.
func mainWith(ctx context.Context, b Backend, hooks svc.Hooks, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	out := &watchedWriter{w: stdout}
	a := &app{stdin: stdin, stdout: out, stderr: stderr, getenv: getenv, now: time.Now, out: out, hooks: hooks, backend: b}
	a.jsonArg = wantsJSON(args) // seen before flag parsing, so that a usage error is JSON too
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(out)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	return a.exitCode(err)
}

func (a *app) exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errGateFailed) {
		return exitGate
	}
	code := exitFailed
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		code = ee.code
	case svc.IsInvalid(err):
		code = exitUsage
	}
	fmt.Fprintf(a.stderr, "handover: %s\n", err)
	if (a.json || a.jsonArg) && a.out != nil && !a.out.written {
		_ = a.printJSON(struct {
			Error string `json:"error"`
			Exit  int    `json:"exit"`
		}{err.Error(), code})
	}
	return code
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "handover",
		Short: "Move a customer's data from their old system into a new one",
		Long: `handover moves a customer's data out of their old system into a new one:
reproducible column-level recipes, validation against the target format, a
list of every row it could not import and why, staged loading dev → preprod →
prod, delta re-imports, binary file transfer and a cut-over runbook.`,
		Example: `  handover init acme && cd acme
  handover receive sample
  handover check
  handover import --env dev
  handover --memory 1GiB import --env prod   # memory budget (default 256MiB)`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr("%w", err) })
	pf := root.PersistentFlags()
	pf.StringVarP(&a.dir, "dir", "C", ".", "project directory")
	pf.BoolVar(&a.json, "json", false, "machine-readable output on stdout")
	pf.StringVar(&a.state, "state", "", "state store DSN (default: sqlite in DIR/.handover; env HANDOVER_STATE)")
	pf.StringVar(&a.memory, "memory", "", "memory budget of check, import, diff, fixup, worker and serve, like 512MB or 1GiB (default 256MiB; env HANDOVER_MEMORY)")
	pf.StringVar(&a.cpuProfile, "cpuprofile", "", "write a CPU profile to FILE (for performance work)")
	pf.StringVar(&a.memProfile, "memprofile", "", "write a heap profile to FILE at the end (for performance work)")
	pf.StringVar(&a.traceOut, "trace", "", "write an execution trace to FILE, for go tool trace (for performance work)")
	_ = pf.MarkHidden("cpuprofile")
	_ = pf.MarkHidden("trace")
	_ = pf.MarkHidden("memprofile")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if err := a.applyMemoryLimit(cmd); err != nil {
			return err
		}
		return a.startProfile()
	}
	root.PersistentPostRunE = func(*cobra.Command, []string) error { return a.stopProfile() }
	root.AddCommand(a.initCommand(), a.peekCommand(), a.receiveCommand(), markRunsRows(a.checkCommand()),
		markRunsRows(a.importCommand()), a.runsCommand(), a.showCommand(), a.rejectsCommand())
	root.AddCommand(a.processCommands()...)
	root.AddCommand(a.templateCommand(), a.docsCommand(), a.suggestCommand())
	root.AddCommand(a.filesCommand())
	root.AddCommand(markRunsRows(a.fixupCommand()))
	root.AddCommand(markRunsRows(a.diffCommand()))
	root.AddCommand(a.versionCommand())
	root.AddCommand(markRunsRows(a.workerCommand()), a.waitCommand())
	root.Version = buildVersion().String()
	root.SetVersionTemplate("handover {{.Version}}\n")
	root.AddCommand(a.testCommand(), a.explainCommand(), markRunsRows(a.replayCommand()), a.diffRunsCommand())
	root.AddCommand(a.usersCommand(), markRunsRows(a.serveCommand()))
	typeUsageErrors(root)
	return root
}

// typeUsageErrors makes cobra's argument errors usage errors by type: each
// command's argument check is wrapped, and a command with subcommands
// refuses an unknown one itself (cobra would build an untyped error) and
// shows its help when called alone.
func typeUsageErrors(c *cobra.Command) {
	check := c.Args
	switch {
	case check != nil:
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := check(cmd, args); err != nil {
				return usageErr("%w", err)
			}
			return nil
		}
	case c.HasSubCommands():
		c.Args = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += "; did you mean " + strings.Join(s, " or ") + "?"
			}
			return usageErr("%s", msg)
		}
		if c.Run == nil && c.RunE == nil {
			c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
		}
	}
	for _, sub := range c.Commands() {
		typeUsageErrors(sub)
	}
}

// watchedWriter remembers whether anything was written through it: a
// command that printed its JSON result before failing gets no second JSON
// document for the error.
type watchedWriter struct {
	w       io.Writer
	written bool
}

func (w *watchedWriter) Write(p []byte) (int, error) {
	w.written = w.written || len(p) > 0
	return w.w.Write(p)
}

// wantsJSON reports whether --json is among the arguments before a "--".
func wantsJSON(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "--json", "--json=true":
			return true
		}
	}
	return false
}
