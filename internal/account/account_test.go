package account

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handover/handover/internal/state"
	"github.com/handover/handover/internal/testenv"
)

// cheap keeps the tests fast; the parameters travel in each hash.
var cheap = Argon2{Time: 1, Memory: 64, Threads: 1}

func openDSN(t *testing.T, dsn string, opts ...Option) *Store {
	t.Helper()
	ctx := context.Background()
	st, err := state.Open(ctx, dsn, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := Open(ctx, st, append([]Option{WithArgon2(cheap)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSQLite(t *testing.T) {
	suite(t, func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "s.db") })
}

func TestPostgres(t *testing.T) {
	testenv.Postgres(t)
	suite(t, func(t *testing.T) string { return testenv.FreshPostgres(t) })
}

func suite(t *testing.T, newDSN func(t *testing.T) string) {
	tests := []struct {
		name string
		fn   func(t *testing.T, dsn string)
	}{
		{"AddGetList", testAddGetList},
		{"Authenticate", testAuthenticate},
		{"Sessions", testSessions},
		{"SessionsEndOnChange", testSessionsEndOnChange},
		{"Tokens", testTokens},
		{"SecretsHashedAtRest", testSecretsHashedAtRest},
		{"Reopen", testReopen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newDSN(t)) })
	}
}

func testAddGetList(t *testing.T, dsn string) {
	ctx := context.Background()
	s := openDSN(t, dsn)
	if _, err := s.Add(ctx, Account{Email: "Ann@Example.com", Name: "Ann", Role: RoleCustomer, Migrations: []string{"acme", "beta", "acme"}}, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(ctx, Account{Email: "bob@example.com", Name: "Bob", Role: RoleEngineer}, ""); err != nil {
		t.Fatal(err)
	}
	_, err := s.Add(ctx, Account{Email: "ann@example.com", Name: "Ann 2", Role: RoleLead}, "")
	if !errors.Is(err, ErrExists) {
		t.Errorf("duplicate e-mail: got %v, want ErrExists", err)
	}
	for _, bad := range []Account{{Email: "nope", Name: "x", Role: RoleLead}, {Email: "x@y.z", Name: "", Role: RoleLead},
		{Email: "x@y.z", Name: "x", Role: "boss"}, {Email: "x@y.z", Name: "x", Role: RoleAdmin, Migrations: []string{"m"}}} {
		if _, err := s.Add(ctx, bad, ""); err == nil {
			t.Errorf("Add(%+v) accepted", bad)
		}
	}
	if _, err := s.Add(ctx, Account{Email: "c@example.com", Name: "C", Role: RoleLead}, "short"); err == nil || !strings.Contains(err.Error(), "too short") {
		t.Errorf("short password: %v", err)
	}
	a, err := s.Get(ctx, "ANN@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if a.Email != "ann@example.com" || a.Role != RoleCustomer || strings.Join(a.Migrations, ",") != "acme,beta" || !a.HasPassword {
		t.Errorf("got %+v", a)
	}
	if !a.CanSee("acme") || a.CanSee("gamma") {
		t.Errorf("customer scope wrong")
	}
	list, err := s.List(ctx)
	if err != nil || len(list) != 2 || list[1].Email != "bob@example.com" || list[1].HasPassword || !list[1].CanSee("gamma") {
		t.Fatalf("list: %v %+v", err, list)
	}
	if err := s.Remove(ctx, "bob@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "bob@example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("removed account: %v", err)
	}
	if err := s.Remove(ctx, "bob@example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("remove twice: %v", err)
	}
}

func testAuthenticate(t *testing.T, dsn string) {
	ctx := context.Background()
	s := openDSN(t, dsn)
	if _, err := s.Add(ctx, Account{Email: "r@example.com", Name: "R", Role: RoleReviewer}, "first password"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(ctx, Account{Email: "nopw@example.com", Name: "N", Role: RoleReviewer}, ""); err != nil {
		t.Fatal(err)
	}
	if a, err := s.Authenticate(ctx, "R@example.com", "first password"); err != nil || a.Email != "r@example.com" {
		t.Fatalf("good login: %v", err)
	}
	for _, c := range [][2]string{{"r@example.com", "wrong password"}, {"x@example.com", "first password"}, {"nopw@example.com", ""}} {
		if _, err := s.Authenticate(ctx, c[0], c[1]); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("login %v: got %v", c, err)
		}
	}
	if err := s.SetPassword(ctx, "r@example.com", "second password"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "r@example.com", "first password"); !errors.Is(err, ErrBadCredentials) {
		t.Error("old password still works")
	}
	if _, err := s.Authenticate(ctx, "r@example.com", "second password"); err != nil {
		t.Error(err)
	}
}

func testSessions(t *testing.T, dsn string) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	s := openDSN(t, dsn, WithClock(func() time.Time { return now }))
	a, err := s.Add(ctx, Account{Email: "e@example.com", Name: "E", Role: RoleEngineer}, "a long password")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.NewSession(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.SessionAccount(ctx, tok); err != nil || got.ID != a.ID {
		t.Fatalf("session: %v", err)
	}
	if _, err := s.TokenAccount(ctx, tok); !errors.Is(err, ErrNoSession) {
		t.Errorf("a session secret must not work as an API token: %v", err)
	}
	if _, err := s.SessionAccount(ctx, tok+"x"); !errors.Is(err, ErrNoSession) {
		t.Errorf("wrong secret: %v", err)
	}
	now = now.Add(SessionTTL)
	if _, err := s.SessionAccount(ctx, tok); !errors.Is(err, ErrNoSession) {
		t.Errorf("expired session still valid: %v", err)
	}
	now = now.Add(-time.Hour)
	if err := s.EndSession(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionAccount(ctx, tok); !errors.Is(err, ErrNoSession) {
		t.Errorf("ended session still valid: %v", err)
	}
}

func testSessionsEndOnChange(t *testing.T, dsn string) {
	ctx := context.Background()
	s := openDSN(t, dsn)
	a, err := s.Add(ctx, Account{Email: "e@example.com", Name: "E", Role: RoleReviewer}, "a long password")
	if err != nil {
		t.Fatal(err)
	}
	changes := []func() error{
		func() error { return s.SetPassword(ctx, a.Email, "another long password") },
		func() error { return s.SetRole(ctx, a.Email, RoleCustomer, []string{"acme"}) },
		func() error { return s.Remove(ctx, a.Email) },
	}
	for i, change := range changes {
		tok, err := s.NewSession(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := change(); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionAccount(ctx, tok); !errors.Is(err, ErrNoSession) {
			t.Errorf("change %d: session survived: %v", i, err)
		}
	}
}

func testTokens(t *testing.T, dsn string) {
	ctx := context.Background()
	s := openDSN(t, dsn)
	if _, err := s.Add(ctx, Account{Email: "api@example.com", Name: "API", Role: RoleEngineer}, ""); err != nil {
		t.Fatal(err)
	}
	t1, err := s.NewToken(ctx, "api@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if a, err := s.TokenAccount(ctx, t1); err != nil || a.Email != "api@example.com" {
		t.Fatalf("token: %v", err)
	}
	t2, err := s.NewToken(ctx, "api@example.com")
	if err != nil || t2 == t1 {
		t.Fatal(err)
	}
	if _, err := s.TokenAccount(ctx, t1); !errors.Is(err, ErrNoSession) {
		t.Errorf("replaced token still valid: %v", err)
	}
	if _, err := s.NewToken(ctx, "ghost@example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("token for unknown account: %v", err)
	}
	if err := s.Remove(ctx, "api@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TokenAccount(ctx, t2); !errors.Is(err, ErrNoSession) {
		t.Errorf("token of removed account still valid: %v", err)
	}
}

// testSecretsHashedAtRest reads the tables raw: no password, session or
// token appears in clear.
func testSecretsHashedAtRest(t *testing.T, dsn string) {
	ctx := context.Background()
	s := openDSN(t, dsn)
	a, err := s.Add(ctx, Account{Email: "h@example.com", Name: "H", Role: RoleLead}, "my secret password")
	if err != nil {
		t.Fatal(err)
	}
	sess, _ := s.NewSession(ctx, a.ID)
	tok, _ := s.NewToken(ctx, a.Email)
	var dump strings.Builder
	for _, q := range []string{`SELECT email || name || role || password FROM accounts`, `SELECT hash || kind FROM account_sessions`} {
		rows, err := s.db.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v string
			rows.Scan(&v)
			dump.WriteString(v + "\n")
		}
		rows.Close()
	}
	for _, secret := range []string{"my secret password", sess, tok, sess[4:], tok[4:]} {
		if strings.Contains(dump.String(), secret) {
			t.Errorf("secret %q stored in clear", secret)
		}
	}
	if !strings.Contains(dump.String(), "$argon2id$v=19$") {
		t.Error("password not stored as argon2id")
	}
}

func testReopen(t *testing.T, dsn string) {
	ctx := context.Background()
	s := openDSN(t, dsn)
	if _, err := s.Add(ctx, Account{Email: "k@example.com", Name: "K", Role: RoleAdmin}, ""); err != nil {
		t.Fatal(err)
	}
	s2 := openDSN(t, dsn)
	if _, err := s2.Get(ctx, "k@example.com"); err != nil {
		t.Fatalf("after reopen: %v", err)
	}
	if _, err := s2.db.ExecContext(ctx, `INSERT INTO account_schema (version) VALUES (99)`); err != nil {
		t.Fatal(err)
	}
	st, err := state.Open(ctx, dsn, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var ve *SchemaVersionError
	if _, err := Open(ctx, st); !errors.As(err, &ve) || ve.Found != 99 {
		t.Errorf("newer schema: %v", err)
	}
}

func TestPasswordHashFormat(t *testing.T) {
	h, err := hashPassword("pässwörd 123", DefaultArgon2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q", h)
	}
	if ok, err := checkPassword(h, "pässwörd 123"); !ok || err != nil {
		t.Errorf("check: %v %v", ok, err)
	}
	if ok, _ := checkPassword(h, "pässwörd 124"); ok {
		t.Error("wrong password accepted")
	}
	for _, bad := range []string{"", "$bcrypt$x", "$argon2id$v=19$m=x$a$b", "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAA"} {
		if _, err := checkPassword(bad, "x"); err == nil {
			t.Errorf("damaged hash %q accepted", bad)
		}
	}
}
