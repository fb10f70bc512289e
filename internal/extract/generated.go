package extract

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Generated is a file a receive produces rather than copies: the snapshot
// of a database source. Write streams its content; it is hashed and stored
// like any delivered file.
type Generated struct {
	Path  string // slash-separated path inside the extraction
	From  string // what it comes from, for messages and the manifest (never a credential)
	Write func(ctx context.Context, w io.Writer) error
}

// Delivery is what one receive stores: paths copied (files, directories,
// archives) and files generated, in this order.
type Delivery struct {
	Paths     []string
	Generated []Generated
	Label     string
	Now       time.Time
}

// ReceiveDelivery stores a delivery as the next numbered extraction, as
// Receive does, with its generated files beside the copied ones. A failed
// generator leaves no extraction behind.
func (s *Store) ReceiveDelivery(ctx context.Context, d Delivery) (*Extraction, error) {
	if len(d.Paths) == 0 && len(d.Generated) == 0 {
		return nil, errors.New("no path given")
	}
	return s.receive(ctx, d)
}

// generate stages one generated file.
func (g *stager) generate(gen Generated, mtime time.Time) error {
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		pw.CloseWithError(gen.Write(g.ctx, pw))
	}()
	err := g.write(gen.Path, gen.From, pr, mtime)
	pr.CloseWithError(errors.New("receive stopped")) // releases a writer still running
	<-done
	return err
}

// sourceNames lists what a delivery was made of, for the manifest.
func sourceNames(d Delivery) []string {
	var out []string
	for _, p := range d.Paths {
		out = append(out, baseName(p))
	}
	seen := map[string]bool{}
	var gens []string
	for _, g := range d.Generated {
		if !seen[g.From] {
			seen[g.From] = true
			gens = append(gens, g.From)
		}
	}
	sort.Strings(gens)
	return append(out, gens...)
}

// describe names a delivery in messages.
func describe(d Delivery) string {
	parts := append([]string(nil), d.Paths...)
	if len(d.Generated) > 0 {
		parts = append(parts, fmt.Sprintf("(%d generated files)", len(d.Generated)))
	}
	return strings.Join(parts, " ")
}
