package app

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/state"
)

// session is one use case's open project and state store.
type session struct {
	p  *project.Project
	st Store
}

func (ss *session) close() { ss.st.Close() }

// Project loads the project in dir (the current directory for ""); a
// problem with it is an InvalidError naming file and line.
func (s *Service) Project(dir string) (*project.Project, error) {
	if dir == "" {
		dir = "."
	}
	resolved, err := project.ResolveDir(dir)
	if err != nil {
		return nil, &InvalidError{Err: err}
	}
	p, err := project.LoadChecked(resolved, s.cfg.Getenv, checkPlan) // plan: with the other problems, in one pass
	if err != nil {
		return nil, &InvalidError{Err: err}
	}
	return p, nil
}

// open loads the project and opens its state store for writing.
func (s *Service) open(ctx context.Context, dir string) (*session, error) {
	return s.openSession(ctx, dir, false)
}

// openReadOnly loads the project and opens its state store for a use
// case that only reads: nothing is written, not even a missing store.
func (s *Service) openReadOnly(ctx context.Context, dir string) (*session, error) {
	return s.openSession(ctx, dir, true)
}

func (s *Service) openSession(ctx context.Context, dir string, readOnly bool) (*session, error) {
	p, err := s.Project(dir)
	if err != nil {
		return nil, err
	}
	open := s.openState
	if readOnly {
		open = s.openStateReadOnly
	}
	st, err := open(ctx, p)
	if err != nil {
		return nil, err
	}
	return &session{p: p, st: st}, nil
}

// openState opens the state store for writing and records the runs whose
// lease ended as interrupted.
func (s *Service) openState(ctx context.Context, p *project.Project) (Store, error) {
	st, err := s.openStore(ctx, p, false)
	if err != nil {
		return nil, err
	}
	if _, err := st.Reap(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("open state store: %w", err)
	}
	return st, nil
}

// openStateReadOnly opens the state store without writing anything.
func (s *Service) openStateReadOnly(ctx context.Context, p *project.Project) (Store, error) {
	return s.openStore(ctx, p, true)
}

// openStore opens the project's state store, scoped to its migration,
// with the audit key of HANDOVER_AUDIT_KEY or HANDOVER_AUDIT_KEY_FILE.
func (s *Service) openStore(ctx context.Context, p *project.Project, readOnly bool) (Store, error) {
	dsn := s.StateDSN(p)
	key, err := state.LoadAuditKey(s.cfg.Getenv)
	if err != nil {
		return nil, fmt.Errorf("open state store: %w", err)
	}
	st, err := s.cfg.OpenState(ctx, dsn, state.Options{Migration: p.Migration, AuditKey: key, Now: s.cfg.Now,
		ReadOnly: readOnly, LeaseTTL: s.cfg.LeaseTTL})
	if err != nil {
		return nil, err // it names the store ("open state store DSN: …")
	}
	settled, err := s.reconcile(ctx, st, p, readOnly)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("open state store: %w", err)
	}
	return settled, nil
}

// StateDSN names the project's state store: Config.State, else
// $HANDOVER_STATE, else SQLite in the project's .handover/. It may hold
// a password: never show it unredacted.
func (s *Service) StateDSN(p *project.Project) string {
	if s.cfg.State != "" {
		return s.cfg.State
	}
	if dsn := s.cfg.Getenv("HANDOVER_STATE"); dsn != "" {
		return dsn
	}
	return "sqlite://" + filepath.Join(handoverDir(p), "state.db")
}

// handoverDir is the project's .handover directory.
func handoverDir(p *project.Project) string { return filepath.Join(p.Dir, ".handover") }

// environment returns the environment a use case works on; an unknown
// one or one whose ${VAR} is unset is an InvalidError.
func environment(p *project.Project, name string) (*project.Environment, error) {
	env, err := p.Environment(name)
	if err != nil {
		return nil, &InvalidError{Err: err}
	}
	return env, nil
}
