package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/handover/handover/internal/account/accountdb"
)

func runUsers(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		if k == "HANDOVER_STATE" {
			return ""
		}
		return os.Getenv(k)
	}
	code := Main(backend(), args, strings.NewReader(stdin), &out, &errb, getenv)
	return code, out.String(), errb.String()
}

func TestUsersCommands(t *testing.T) {
	dir := t.TempDir()
	steps := []struct {
		stdin string
		args  []string
		code  int
		want  string // in stdout+stderr
	}{
		{"a long password\n", []string{"users", "add", "Rita@vendor.example", "--name", "Rita", "--role", "reviewer", "--password-stdin"}, 0, "account rita@vendor.example (reviewer) added"},
		{"", []string{"users", "add", "ann@acme.example", "--name", "Ann", "--role", "customer", "--migration", "acme"}, 0, "added"},
		{"", []string{"users", "add", "ann@acme.example", "--name", "Ann", "--role", "customer"}, 1, "already exists"},
		{"", []string{"users", "add", "x@y.example", "--name", "X", "--role", "boss"}, 2, `unknown role "boss"`},
		{"", []string{"users", "add", "not-an-email", "--name", "X", "--role", "lead"}, 2, "not an e-mail"},
		{"short\n", []string{"users", "passwd", "rita@vendor.example"}, 1, "too short"},
		{"", []string{"users", "passwd", "rita@vendor.example"}, 2, "no password on standard input"},
		{"another long password\n", []string{"users", "passwd", "rita@vendor.example"}, 0, "sessions ended"},
		{"another long password\n", []string{"users", "passwd", "ghost@vendor.example"}, 1, "no such account"},
		{"", []string{"users", "list"}, 0, "ann@acme.example     Ann   customer  acme        no"},
		{"", []string{"users", "remove", "ann@acme.example"}, 0, "removed"},
		{"", []string{"users", "remove", "ann@acme.example"}, 1, "no such account"},
	}
	for _, s := range steps {
		code, out, errOut := runUsers(t, s.stdin, append([]string{"-C", dir}, s.args...)...)
		if code != s.code || !strings.Contains(out+errOut, s.want) {
			t.Errorf("%v: exit %d, want %d with %q\nstdout: %s\nstderr: %s", s.args, code, s.code, s.want, out, errOut)
		}
		if strings.Contains(out+errOut, "long password") {
			t.Errorf("%v printed the password", s.args)
		}
	}
	code, out, _ := runUsers(t, "", "-C", dir, "--json", "users", "list")
	var list struct {
		Users []struct {
			Email, Role string
			Password    bool
			Migrations  []string
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list.Users) != 1 || list.Users[0].Email != "rita@vendor.example" || !list.Users[0].Password {
		t.Fatalf("users list --json: %d %s", code, out)
	}
	code, out, _ = runUsers(t, "", "-C", dir, "users", "token", "rita@vendor.example")
	tok := strings.TrimSuffix(out, "\n")
	if code != 0 || !strings.HasPrefix(tok, "hot_") || strings.ContainsAny(tok, " \n") {
		t.Fatalf("users token printed %q", out)
	}
	st, err := accountdb.OpenDSN(context.Background(), "sqlite://"+dir+"/.handover/state.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if acc, err := st.TokenAccount(context.Background(), tok); err != nil || acc.Email != "rita@vendor.example" {
		t.Errorf("printed token does not authenticate: %v", err)
	}
	if _, err := st.Authenticate(context.Background(), "rita@vendor.example", "another long password"); err != nil {
		t.Errorf("password set through stdin does not work: %v", err)
	}
}
