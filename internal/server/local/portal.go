package local

import (
	"context"
	"fmt"
	"io"

	"github.com/handover/handover/internal/docs"
	"github.com/handover/handover/internal/server"
	"github.com/handover/handover/internal/template"
)

var _ server.Portal = (*Service)(nil)

// The documentation and the template promise what `handover docs` and
// `handover template` without flags promise: international phone numbers,
// date-times in UTC.

// FormatDoc documents migration m's import format, as `handover docs`.
func (s *Service) FormatDoc(_ context.Context, m string) (*docs.Doc, error) {
	sv, err := s.served(m)
	if err != nil {
		return nil, err
	}
	p, err := sv.Project()
	if err != nil {
		return nil, mapErr(err)
	}
	return docs.Build(p.Format, docs.Options{Migration: p.Migration, Customer: p.Customer}), nil
}

// WriteTemplate writes migration m's fill-in workbook, as `handover
// template`.
func (s *Service) WriteTemplate(_ context.Context, m string, w io.Writer) error {
	sv, err := s.served(m)
	if err != nil {
		return err
	}
	p, err := sv.Project()
	if err != nil {
		return mapErr(err)
	}
	entities, err := template.Select(p.Format, nil)
	if err != nil {
		return err
	}
	o := template.Options{Docs: docs.Options{Migration: p.Migration, Customer: p.Customer}}
	if err := template.WriteWorkbook(w, entities, o); err != nil {
		return fmt.Errorf("template of %s: %w", m, err)
	}
	return nil
}
