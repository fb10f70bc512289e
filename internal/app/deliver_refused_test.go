package app

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// queueFunc is a Queuer of a function.
type queueFunc func(ctx context.Context, req QueueRequest) (int, error)

func (f queueFunc) QueueRun(ctx context.Context, req QueueRequest) (int, error) { return f(ctx, req) }

// oneFile is a Parts of a single file.
type oneFile struct {
	name string
	data []byte
	done bool
}

func (o *oneFile) Next() (string, io.Reader, error) {
	if o.done {
		return "", nil, io.EOF
	}
	o.done = true
	return o.name, strings.NewReader(string(o.data)), nil
}

// A delivery whose check the project refuses (a file a recipe reads is
// missing) is still stored and recorded: the refusal is a problem of the
// delivery the uploader reads, not an error; any other queue failure is.
func TestDeliverCheckRefused(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	data, err := os.ReadFile(filepath.Join(f.dir, "sample", "kontakte.csv"))
	if err != nil {
		t.Fatal(err)
	}
	refuse := queueFunc(func(context.Context, QueueRequest) (int, error) {
		return 0, invalid("extraction 1 has no file \"firmen.csv\"")
	})
	res, err := f.svc.Deliver(ctx, DeliverRequest{Actor: tester, Project: f.dir, Parts: &oneFile{name: "kontakte.csv", data: data}, Queue: refuse})
	if err != nil {
		t.Fatalf("deliver whose check is refused: %v; want the delivery stored with a problem", err)
	}
	var found bool
	for _, p := range res.Problems {
		if p.Kind == ProblemCheckNotStarted && strings.Contains(p.Message, "firmen.csv") && strings.Contains(p.Message, "could not start") {
			found = true
		}
	}
	if res.Extraction != 1 || res.Run != 0 || !found {
		t.Fatalf("delivery %+v; want extraction 1, no run, a %s problem naming firmen.csv", res, ProblemCheckNotStarted)
	}
	down := queueFunc(func(context.Context, QueueRequest) (int, error) { return 0, errors.New("queue down") })
	if _, err := f.svc.Deliver(ctx, DeliverRequest{Actor: tester, Project: f.dir, Parts: &oneFile{name: "kontakte.csv", data: data}, Queue: down}); err == nil || !strings.Contains(err.Error(), "queue down") {
		t.Fatalf("deliver with the queue down: %v; want the queue's error", err)
	}
}
