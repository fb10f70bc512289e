package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/handover/handover/internal/engine"
	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/files"
	"github.com/handover/handover/internal/protocol"
)

// inputCheck re-hashes an extraction's data files (not its binary
// attachments under files/) against the manifest while the run reads
// them, so that a stored file changed since it was received fails the run
// — naming the file — before anything is committed.
type inputCheck struct {
	done  chan struct{}
	diffs []string
	err   error
}

func startInputCheck(ctx context.Context, x *extract.Extraction) *inputCheck {
	c := &inputCheck{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		c.diffs, c.err = x.VerifyFiles(ctx, func(path string) bool { return !strings.HasPrefix(path, files.DefaultPrefix) })
	}()
	return c
}

// wait returns the error for the inputs the run read (its protocol's
// hashes.inputs) that differ from the manifest.
func (c *inputCheck) wait(x *extract.Extraction, p *protocol.Protocol) error {
	<-c.done
	if c.err != nil {
		return c.err
	}
	var bad []string
	for _, d := range c.diffs {
		name, _, _ := strings.Cut(d, ":")
		if _, read := p.Hashes.Inputs[name]; read {
			bad = append(bad, d)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("extraction %d no longer matches its manifest: %s", x.Number, strings.Join(bad, "; "))
}

// checkedInputs runs fn while the extraction's files are re-hashed; a
// difference fails the run.
func checkedInputs(x *extract.Extraction, fn func(context.Context, engine.Options) (*engine.Outcome, error)) func(context.Context, engine.Options) (*engine.Outcome, error) {
	return func(ctx context.Context, o engine.Options) (*engine.Outcome, error) {
		c := startInputCheck(ctx, x)
		out, err := fn(ctx, o)
		if out == nil || out.Protocol == nil {
			<-c.done
			return out, err
		}
		if cerr := c.wait(x, out.Protocol); cerr != nil && err == nil {
			p := out.Protocol
			p.Status, p.Error = protocol.StatusFailed, cerr.Error()
			err = cerr
		}
		return out, err
	}
}
