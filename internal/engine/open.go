package engine

import (
	"context"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/recipe"
	"github.com/handover/handover/internal/source"
)

// OpenSource opens a recipe's source in an extraction exactly as a run
// does (one file, the files matching a pattern, a database snapshot), for
// reading single rows outside a run (handover explain).
func OpenSource(ctx context.Context, x *extract.Extraction, r *recipe.Recipe) (source.Reader, error) {
	rd, _, err := openSource(ctx, x.Reads(), r)
	return rd, err
}
