package local

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/handover/handover/internal/app"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/report"
	"github.com/handover/handover/internal/server"
)

// Artifact opens protocol.json, report.html, profile.json or
// rejects/ENTITY.csv|.xlsx of a finished run.
func (s *Service) Artifact(ctx context.Context, name string, n int, file string) (io.ReadCloser, error) {
	sv, err := s.served(name)
	if err != nil {
		return nil, err
	}
	r, _, err := sv.Run(ctx, n)
	if err != nil {
		return nil, mapErr(err)
	}
	if r.Protocol == nil || r.Artifacts == "" {
		return nil, fmt.Errorf("run %d has no files yet: %w", n, server.ErrNotFound)
	}
	open := artifactOpener(ctx, sv, n)
	switch file {
	case "protocol.json", "report.html", "profile.json":
		return open(file)
	}
	rest, ok := strings.CutPrefix(file, "rejects/")
	if !ok {
		return nil, server.ErrNotFound
	}
	entity, ext, _ := strings.Cut(rest, ".")
	e := entityOf(r.Protocol, entity)
	if e == nil || e.Rejects == "" {
		return nil, fmt.Errorf("run %d has no rejects of %q: %w", n, entity, server.ErrNotFound)
	}
	switch ext {
	case "csv":
		return open(e.Rejects)
	case "xlsx":
		return workbook(open, e.Rejects, entity)
	}
	return nil, server.ErrNotFound
}

// artifactOpener opens the files of run n's artifacts (by their path in
// them) from the project's artifact store.
func artifactOpener(ctx context.Context, sv *app.Served, n int) func(name string) (io.ReadCloser, error) {
	return func(name string) (io.ReadCloser, error) {
		rc, err := sv.OpenArtifact(ctx, n, name)
		if err != nil {
			return nil, mapErr(err)
		}
		return rc, nil
	}
}

func entityOf(p *protocol.Protocol, name string) *protocol.Entity {
	for _, e := range p.Entities {
		if e.Name == name {
			return e
		}
	}
	return nil
}

// workbook renders a rejects CSV as an xlsx with the bad cells marked.
func workbook(open func(string) (io.ReadCloser, error), csvName, entity string) (io.ReadCloser, error) {
	columns, rows, err := readRejects(open, csvName, entity)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := report.WriteRejectsXLSX(&buf, entity, columns, rows); err != nil {
		return nil, fmt.Errorf("rejects of %s as xlsx: %w", entity, err)
	}
	return io.NopCloser(&buf), nil
}

func readRejects(open func(string) (io.ReadCloser, error), csvName, entity string) ([]string, []report.RejectRow, error) {
	src, err := open(csvName)
	if err != nil {
		return nil, nil, err
	}
	defer src.Close()
	columns, rows, err := report.ReadRejects(src)
	if err != nil {
		return nil, nil, fmt.Errorf("read rejects of %s: %w", entity, err)
	}
	cellsName := path.Join(path.Dir(csvName), path.Base(report.CellsPath(entity)))
	if cells, err := open(cellsName); err == nil {
		err = report.ReadRejectCells(cells, rows)
		cells.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("read rejected cells of %s: %w", entity, err)
		}
	}
	return columns, rows, nil
}

// Rejects reads one entity's rejected rows.
func (s *Service) Rejects(ctx context.Context, name string, n int, entity string) (*server.Rejects, error) {
	sv, err := s.served(name)
	if err != nil {
		return nil, err
	}
	r, _, err := sv.Run(ctx, n)
	if err != nil {
		return nil, mapErr(err)
	}
	if r.Protocol == nil {
		return nil, server.ErrNotFound
	}
	e := entityOf(r.Protocol, entity)
	if e == nil {
		return nil, fmt.Errorf("entity %q: %w", entity, server.ErrNotFound)
	}
	out := &server.Rejects{Entity: entity, Columns: []string{}, Rows: []server.RejectRow{}}
	if e.Rejects == "" {
		return out, nil
	}
	columns, rows, err := readRejects(artifactOpener(ctx, sv, n), e.Rejects, entity)
	if err != nil {
		return nil, err
	}
	out.Columns = columns
	for _, row := range rows {
		out.Rows = append(out.Rows, server.RejectRow{Line: row.Line, Errors: row.Errors, Fields: row.Columns, Values: row.Values, Rules: row.Rules})
	}
	return out, nil
}
