// Package account holds the server's accounts, roles, sessions and API
// tokens, in the state store's database, in tables of its own with their own
// schema version. Passwords are argon2id hashes; sessions and tokens are
// stored as SHA-256 hashes of random secrets, never in clear.
package account

import (
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// Roles, as DESIGN.md names the parties.
const (
	RoleAdmin    = "admin"
	RoleEngineer = "engineer"
	RoleReviewer = "reviewer"
	RoleLead     = "lead"
	RoleCustomer = "customer"
)

// Roles lists every role in order of the parties table.
var Roles = []string{RoleAdmin, RoleEngineer, RoleReviewer, RoleLead, RoleCustomer}

// Errors callers decide on (errors.Is).
var (
	ErrNotFound       = errors.New("no such account")
	ErrExists         = errors.New("an account with this e-mail already exists")
	ErrBadCredentials = errors.New("wrong e-mail or password")
	ErrNoSession      = errors.New("no valid session or token")
)

// Account is one person who logs in to the server.
type Account struct {
	ID    int64
	Email string
	Name  string
	Role  string
	// Migrations scopes the account: empty means every migration, except
	// for a customer, who sees only the migrations named here.
	Migrations  []string
	Created     time.Time
	HasPassword bool
}

// CanSee reports whether the account may see migration m at all.
func (a *Account) CanSee(m string) bool {
	if a.Role == RoleAdmin {
		return true
	}
	if len(a.Migrations) == 0 {
		return a.Role != RoleCustomer
	}
	return slices.Contains(a.Migrations, m)
}

// Validate checks e-mail, name, role and scope.
func (a *Account) Validate() error {
	addr, err := mail.ParseAddress(a.Email)
	if err != nil || addr.Address != a.Email || strings.ContainsAny(a.Email, " \t") {
		return fmt.Errorf("account %q: not an e-mail address (want name@example.com)", a.Email)
	}
	if strings.TrimSpace(a.Name) == "" {
		return fmt.Errorf("account %s: a name is required (--name)", a.Email)
	}
	if !slices.Contains(Roles, a.Role) {
		return fmt.Errorf("account %s: unknown role %q (want one of %s)", a.Email, a.Role, strings.Join(Roles, ", "))
	}
	if a.Role == RoleAdmin && len(a.Migrations) > 0 {
		return fmt.Errorf("account %s: an admin sees every migration; --migration does not apply", a.Email)
	}
	for _, m := range a.Migrations {
		if strings.TrimSpace(m) == "" {
			return fmt.Errorf("account %s: empty migration name", a.Email)
		}
	}
	return nil
}

// NormEmail is the form e-mails are stored and looked up in.
func NormEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }
