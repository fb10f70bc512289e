package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Database is where the accounts live: the state store (state.Store has
// this method).
type Database interface {
	DB() (db *sql.DB, postgres bool)
}

// Store reads and writes accounts, sessions and tokens. Safe for
// concurrent use.
type Store struct {
	db       *sql.DB
	postgres bool
	now      func() time.Time
	cost     Argon2
	closer   func() error
	audit    func(ctx context.Context, actor, action, detail string, at time.Time) error
	dummy    string // a hash checked for unknown e-mails, so timing tells nothing
}

// Option changes a Store.
type Option func(*Store)

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithArgon2 sets the cost of new password hashes (tests use a cheap one).
func WithArgon2(p Argon2) Option { return func(s *Store) { s.cost = p } }

// Open creates or migrates the account tables in d's database.
func Open(ctx context.Context, d Database, opts ...Option) (*Store, error) {
	db, pg := d.DB()
	s := &Store{db: db, postgres: pg, now: time.Now, cost: DefaultArgon2}
	for _, o := range opts {
		o(s)
	}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	var err error
	if s.dummy, err = hashPassword("not a password of anyone", s.cost); err != nil {
		return nil, err
	}
	return s, nil
}

const accountColumns = `id, email, name, role, password, created`

// Add creates an account; password may be empty (no password login until
// one is set, API tokens work).
func (s *Store) Add(ctx context.Context, a Account, password string) (*Account, error) {
	a.Email = NormEmail(a.Email)
	if err := a.Validate(); err != nil {
		return nil, err
	}
	hash, err := s.passwordHash(password, password != "")
	if err != nil {
		return nil, fmt.Errorf("add account %s: %w", a.Email, err)
	}
	a.Created = s.now().UTC().Truncate(time.Microsecond)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM accounts WHERE email = ?`), a.Email).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrExists
		}
		err := tx.QueryRowContext(ctx, s.q(`INSERT INTO accounts (email, name, role, password, created) VALUES (?, ?, ?, ?, ?) RETURNING id`),
			a.Email, a.Name, a.Role, hash, s.t(a.Created)).Scan(&a.ID)
		if err != nil {
			return err
		}
		return s.setMigrations(ctx, tx, a.ID, a.Migrations)
	})
	if err != nil {
		return nil, fmt.Errorf("add account %s: %w", a.Email, err)
	}
	a.HasPassword = hash != ""
	return &a, nil
}

func (s *Store) passwordHash(password string, required bool) (string, error) {
	if !required {
		return "", nil
	}
	if len([]rune(password)) < MinPassword {
		return "", fmt.Errorf("the password is too short: at least %d characters", MinPassword)
	}
	return hashPassword(password, s.cost)
}

func (s *Store) setMigrations(ctx context.Context, tx *sql.Tx, id int64, ms []string) error {
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM account_migrations WHERE account = ?`), id); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, m := range ms {
		if seen[m] {
			continue
		}
		seen[m] = true
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO account_migrations (account, migration) VALUES (?, ?)`), id, m); err != nil {
			return err
		}
	}
	return nil
}

// Get returns the account with e-mail email.
func (s *Store) Get(ctx context.Context, email string) (*Account, error) {
	email = NormEmail(email)
	a, err := s.one(ctx, `email = ?`, email)
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", email, err)
	}
	return a, nil
}

// ByID returns the account with id.
func (s *Store) ByID(ctx context.Context, id int64) (*Account, error) {
	a, err := s.one(ctx, `id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("account %d: %w", id, err)
	}
	return a, nil
}

func (s *Store) one(ctx context.Context, where string, arg any) (*Account, error) {
	a, _, err := s.scanOne(ctx, where, arg)
	return a, err
}

func (s *Store) scanOne(ctx context.Context, where string, arg any) (*Account, string, error) {
	row := s.db.QueryRowContext(ctx, s.q(`SELECT `+accountColumns+` FROM accounts WHERE `+where), arg)
	a, hash, err := s.scan(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", ErrNotFound
	}
	if err != nil {
		return nil, "", err
	}
	if a.Migrations, err = s.migrationsOf(ctx, a.ID); err != nil {
		return nil, "", err
	}
	return a, hash, nil
}

type scanner interface{ Scan(dest ...any) error }

func (s *Store) scan(sc scanner) (*Account, string, error) {
	var a Account
	var hash string
	if err := sc.Scan(&a.ID, &a.Email, &a.Name, &a.Role, &hash, nullTime{&a.Created}); err != nil {
		return nil, "", err
	}
	a.HasPassword = hash != ""
	return &a, hash, nil
}

func (s *Store) migrationsOf(ctx context.Context, id int64) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT migration FROM account_migrations WHERE account = ? ORDER BY migration`), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// List returns every account, by e-mail.
func (s *Store) List(ctx context.Context) ([]*Account, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	var out []*Account
	for rows.Next() {
		a, _, err := s.scan(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list accounts: %w", err)
		}
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	for _, a := range out {
		if a.Migrations, err = s.migrationsOf(ctx, a.ID); err != nil {
			return nil, fmt.Errorf("list accounts: %w", err)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Email < out[j].Email })
	return out, nil
}

// SetPassword replaces the account's password and ends all its sessions.
func (s *Store) SetPassword(ctx context.Context, email, password string) error {
	email = NormEmail(email)
	hash, err := s.passwordHash(password, true)
	if err != nil {
		return fmt.Errorf("set password of %s: %w", email, err)
	}
	err = s.update(ctx, email, func(tx *sql.Tx, id int64) error {
		_, err := tx.ExecContext(ctx, s.q(`UPDATE accounts SET password = ? WHERE id = ?`), hash, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("set password of %s: %w", email, err)
	}
	return nil
}

// SetRole changes the account's role and scope and ends all its sessions
// (API tokens stay: they act with the account's current role).
func (s *Store) SetRole(ctx context.Context, email, role string, migrations []string) error {
	email = NormEmail(email)
	check := Account{Email: email, Name: "-", Role: role, Migrations: migrations}
	if err := check.Validate(); err != nil {
		return err
	}
	err := s.update(ctx, email, func(tx *sql.Tx, id int64) error {
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE accounts SET role = ? WHERE id = ?`), role, id); err != nil {
			return err
		}
		return s.setMigrations(ctx, tx, id, migrations)
	})
	if err != nil {
		return fmt.Errorf("set role of %s: %w", email, err)
	}
	return nil
}

// update runs fn on the account and deletes its sessions, in one
// transaction.
func (s *Store) update(ctx context.Context, email string, fn func(tx *sql.Tx, id int64) error) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, s.q(`SELECT id FROM accounts WHERE email = ?`), email).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := fn(tx, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`DELETE FROM account_sessions WHERE account = ? AND kind = ?`), id, kindSession)
		return err
	})
}

// Remove deletes the account with its sessions, tokens and scope.
func (s *Store) Remove(ctx context.Context, email string) error {
	email = NormEmail(email)
	err := s.update(ctx, email, func(tx *sql.Tx, id int64) error {
		for _, stmt := range []string{`DELETE FROM account_sessions WHERE account = ?`,
			`DELETE FROM account_migrations WHERE account = ?`, `DELETE FROM accounts WHERE id = ?`} {
			if _, err := tx.ExecContext(ctx, s.q(stmt), id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("remove account %s: %w", email, err)
	}
	return nil
}

// Authenticate returns the account whose e-mail and password match, or
// ErrBadCredentials (also for an unknown e-mail, after the same work).
func (s *Store) Authenticate(ctx context.Context, email, password string) (*Account, error) {
	a, hash, err := s.scanOne(ctx, `email = ?`, NormEmail(email))
	switch {
	case errors.Is(err, ErrNotFound):
		_, _ = checkPassword(s.dummy, password)
		return nil, ErrBadCredentials
	case err != nil:
		return nil, fmt.Errorf("log in: %w", err)
	case hash == "":
		_, _ = checkPassword(s.dummy, password)
		return nil, ErrBadCredentials
	}
	ok, err := checkPassword(hash, password)
	if err != nil {
		return nil, fmt.Errorf("log in %s: %w", a.Email, err)
	}
	if !ok {
		return nil, ErrBadCredentials
	}
	return a, nil
}

// q rewrites ? placeholders for PostgreSQL.
func (s *Store) q(query string) string {
	if !s.postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}
