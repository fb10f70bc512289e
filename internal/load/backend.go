package load

import (
	"context"
	"fmt"
	"strings"
)

// Backend is one kind of environment database.
type Backend struct {
	Name  string                // "sqlite", "postgres", …
	Form  string                // what its DSNs look like, for messages: "sqlite://PATH"
	Match func(dsn string) bool // whether dsn names a database of this kind
	Open  func(ctx context.Context, dsn string, opts Options) (Target, error)
}

// Backends opens a DSN with the first of them that matches it. The caller
// builds the list (load/targets has every backend).
type Backends []Backend

// Open connects to the database dsn names. Errors never contain the
// password.
func (bs Backends) Open(ctx context.Context, dsn string, opts Options) (Target, error) {
	forms := make([]string, len(bs))
	for i, b := range bs {
		if b.Match(dsn) {
			return b.Open(ctx, dsn, opts)
		}
		forms[i] = b.Form
	}
	return nil, fmt.Errorf("open database %s: unsupported kind of database (want %s)", Redact(dsn), strings.Join(forms, " or "))
}

// Hooks let a test stop an import at a chosen moment (the crash tests kill
// the process there). They travel in the context, like net/http/httptrace,
// so that nothing in Options or in a Target exists only for tests.
type Hooks struct {
	// AfterCopy runs inside Load once the entity's rows are in the
	// database but before they are merged into the target table
	// (PostgreSQL: after the staging COPY, or after the direct COPY into
	// an empty entity's table and before its bookkeeping; SQLite: after
	// every row and its bookkeeping was written, before Load returns).
	AfterCopy func(entity string)
	// BeforeCommit runs in Commit just before the transaction commits.
	BeforeCommit func()
}

type hooksKey struct{}

// WithHooks returns ctx carrying h.
func WithHooks(ctx context.Context, h *Hooks) context.Context {
	return context.WithValue(ctx, hooksKey{}, h)
}

// AfterCopy runs the AfterCopy hook of ctx, if any.
func AfterCopy(ctx context.Context, entity string) {
	if h, _ := ctx.Value(hooksKey{}).(*Hooks); h != nil && h.AfterCopy != nil {
		h.AfterCopy(entity)
	}
}

// BeforeCommit runs the BeforeCommit hook of ctx, if any.
func BeforeCommit(ctx context.Context) {
	if h, _ := ctx.Value(hooksKey{}).(*Hooks); h != nil && h.BeforeCommit != nil {
		h.BeforeCommit()
	}
}
