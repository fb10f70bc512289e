package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/handover/handover/internal/account"
)

func (a *app) usersCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "users",
		Short: "Accounts and roles of the web server (in the state store)",
		Long: `Accounts log in to ` + "`handover serve`" + `. They live in the state store: the one of
--state (or HANDOVER_STATE), else DIR/.handover/state.db of -C DIR — the
directory ` + "`handover serve -C DIR` or `--root DIR`" + ` serves.

Roles: admin (accounts, everything), engineer (check, import, fix-up, file
sync, freeze, confirm), reviewer (signs the quality gate), lead (final
validation), customer (sees its migrations' rejects, validates preprod).
A customer sees only the migrations named with --migration; a reviewer, lead
or engineer named with --migration sees only those.`,
		Example: `  handover users add ann@acme.example --name "Ann Muster" --role customer --migration acme-onboarding
  printf '%s\n' "$PASSWORD" | handover users add rita@vendor.example --name Rita --role reviewer --password-stdin
  handover users passwd rita@vendor.example
  handover users list --json
  handover users token ci@vendor.example > token.txt
  handover users remove ann@acme.example`,
	}
	cmd.AddCommand(a.usersAddCommand(), a.usersPasswdCommand(), a.usersListCommand(),
		a.usersRemoveCommand(), a.usersTokenCommand())
	return cmd
}

// accounts opens the account tables of the state store (see usersCommand).
func (a *app) accounts(ctx context.Context) (*account.Store, error) {
	dsn := a.state
	if dsn == "" {
		dsn = a.getenv("HANDOVER_STATE")
	}
	if dsn == "" {
		dir, err := filepath.Abs(a.dir)
		if err != nil {
			return nil, configErr(err)
		}
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return nil, usageErr("-C %s: not a directory", a.dir)
		}
		dsn = "sqlite://" + filepath.Join(dir, ".handover", "state.db")
	}
	return a.backend.Accounts(ctx, dsn)
}

func (a *app) usersAddCommand() *cobra.Command {
	var acc account.Account
	var pwStdin bool
	cmd := &cobra.Command{
		Use:   "add EMAIL --name NAME --role ROLE",
		Short: "Create an account",
		Long: `Create an account. With --password-stdin the password is the first line of
standard input (at least 10 characters); without it the account has no
password until ` + "`users passwd`" + ` sets one (an API token still works).`,
		Example: `  handover users add ann@acme.example --name "Ann Muster" --role customer --migration acme-onboarding
  printf '%s\n' "$PASSWORD" | handover users add e@vendor.example --name Eva --role engineer --password-stdin`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			acc.Email = args[0]
			if err := acc.Validate(); err != nil {
				return usageErr("%w", err)
			}
			pw := ""
			if pwStdin {
				var err error
				if pw, err = readLine(a.stdin); err != nil {
					return usageErr("--password-stdin: %w", err)
				}
			}
			st, err := a.accounts(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			got, err := st.Add(cmd.Context(), acc, pw)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(jsonAccount(got))
			}
			fmt.Fprintf(a.stdout, "account %s (%s) added\n", got.Email, got.Role)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&acc.Name, "name", "", "the person's name (required)")
	f.StringVar(&acc.Role, "role", "", "admin, engineer, reviewer, lead or customer (required)")
	f.StringArrayVar(&acc.Migrations, "migration", nil, "limit the account to this migration (repeatable)")
	f.BoolVar(&pwStdin, "password-stdin", false, "read the password from the first line of standard input")
	return cmd
}

func (a *app) usersPasswdCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "passwd EMAIL",
		Short: "Set an account's password (ends its browser sessions)",
		Long: `Set an account's password. On a terminal it is asked twice, not echoed;
otherwise it is the first line of standard input. Every browser session of
the account ends.`,
		Example: `  handover users passwd rita@vendor.example
  printf '%s\n' "$NEW_PASSWORD" | handover users passwd rita@vendor.example`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := a.newPassword()
			if err != nil {
				return usageErr("%w", err)
			}
			st, err := a.accounts(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.SetPassword(cmd.Context(), args[0], pw); err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "password of %s changed; its sessions ended\n", account.NormEmail(args[0]))
			return nil
		},
	}
}

// newPassword asks twice on a terminal, else reads one line.
func (a *app) newPassword() (string, error) {
	f, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return readLine(a.stdin)
	}
	ask := func(prompt string) (string, error) {
		fmt.Fprint(a.stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.stderr)
		return string(b), err
	}
	p1, err := ask("new password: ")
	if err != nil {
		return "", err
	}
	p2, err := ask("again: ")
	if err != nil {
		return "", err
	}
	if p1 != p2 {
		return "", errors.New("the two passwords differ")
	}
	return p1, nil
}

// readLine returns the first line of r without its line ending.
func readLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on standard input")
	}
	return line, nil
}

func (a *app) usersListCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List accounts",
		Example: "  handover users list\n  handover users list --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.accounts(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			list, err := st.List(cmd.Context())
			if err != nil {
				return err
			}
			if a.json {
				out := struct {
					Users []accountJSON `json:"users"`
				}{Users: []accountJSON{}}
				for _, acc := range list {
					out.Users = append(out.Users, jsonAccount(acc))
				}
				return a.printJSON(out)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "EMAIL\tNAME\tROLE\tMIGRATIONS\tPASSWORD")
			for _, acc := range list {
				ms, pw := strings.Join(acc.Migrations, ","), "no"
				if ms == "" {
					ms = "all"
					if acc.Role == account.RoleCustomer {
						ms = "none"
					}
				}
				if acc.HasPassword {
					pw = "set"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", acc.Email, acc.Name, acc.Role, ms, pw)
			}
			return tw.Flush()
		},
	}
}

type accountJSON struct {
	Email      string   `json:"email"`
	Name       string   `json:"name"`
	Role       string   `json:"role"`
	Migrations []string `json:"migrations"`
	Password   bool     `json:"password"`
	Created    string   `json:"created"`
}

func jsonAccount(acc *account.Account) accountJSON {
	ms := acc.Migrations
	if ms == nil {
		ms = []string{}
	}
	return accountJSON{acc.Email, acc.Name, acc.Role, ms, acc.HasPassword, acc.Created.UTC().Format("2006-01-02T15:04:05Z")}
}

func (a *app) usersRemoveCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "remove EMAIL",
		Short:   "Delete an account with its sessions and API token",
		Example: "  handover users remove ann@acme.example",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.accounts(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.Remove(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "account %s removed\n", account.NormEmail(args[0]))
			return nil
		},
	}
}

func (a *app) usersTokenCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "token EMAIL",
		Short: "Print a new API token for the account (replaces the old one)",
		Long: `Print a new API token, alone on standard output; it is shown this once and
stored only as a hash. Send it as "Authorization: Bearer TOKEN". The
account's earlier token stops working.`,
		Example: "  handover users token ci@vendor.example > token.txt\n  curl -H \"Authorization: Bearer $(cat token.txt)\" http://127.0.0.1:8080/api/v1/migrations",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.accounts(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			tok, err := st.NewToken(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, tok)
			return nil
		},
	}
}
