package engine

import (
	"context"

	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
)

// runOptions is a run as the tests describe it: the options, the project
// the spec is taken from, the kind and the transaction.
type runOptions struct {
	Options
	Project *project.Project
	Kind    string
	Tx      load.Tx
}

// runEngine calls the entry point of o.Kind and writes the artifacts.
func runEngine(ctx context.Context, o runOptions) (*protocol.Protocol, error) {
	spec := SpecOf(o.Project)
	switch o.Kind {
	case protocol.KindImport:
		return Written(Import(ctx, spec, o.Tx, o.Options))
	case protocol.KindDiff:
		return Written(Diff(ctx, spec, o.Tx.(load.DiffTx), o.Options))
	case protocol.KindFixup:
		return Written(Fixup(ctx, spec, o.Tx, o.Options))
	}
	return Written(Check(ctx, spec, o.Options))
}
