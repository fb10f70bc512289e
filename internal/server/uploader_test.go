package server

import (
	"context"
	"testing"

	"github.com/handover/handover/internal/account"
)

// TestUploader: the account an interrupted upload names is used for its
// recovery only while it exists and the upload form would still take a
// delivery from it for that migration.
func TestUploader(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, a := range []account.Account{
		{Email: "carl@globex.example", Name: "Carl", Role: account.RoleCustomer, Migrations: []string{"globex"}},
		{Email: "gone@acme.example", Name: "Gone", Role: account.RoleCustomer, Migrations: []string{"acme"}},
	} {
		if _, err := e.accounts.Add(ctx, a, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.accounts.Remove(ctx, "gone@acme.example"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ email, refused string }{
		{"ann@acme.example", ""},
		{"ANN@acme.example", ""},
		{"eva@vendor.example", ""},
		{"gone@acme.example", "the account no longer exists"},
		{"nobody@acme.example", "the account no longer exists"},
		{"carl@globex.example", "it is no longer scoped to migration acme"},
		{"rita@vendor.example", "its role (reviewer) may not upload deliveries"},
	} {
		acc, refused, err := Uploader(ctx, e.accounts, tc.email, "acme")
		switch {
		case err != nil:
			t.Errorf("%s: %v", tc.email, err)
		case refused != tc.refused:
			t.Errorf("%s: refused %q, want %q", tc.email, refused, tc.refused)
		case tc.refused == "" && (acc == nil || acc.Email != account.NormEmail(tc.email)):
			t.Errorf("%s: account %+v", tc.email, acc)
		case tc.refused != "" && acc != nil:
			t.Errorf("%s: refused, but an account %+v", tc.email, acc)
		}
	}
}
