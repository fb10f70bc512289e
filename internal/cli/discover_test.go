package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// deepRoot is a root holding a project one level down (acme) and one two
// levels down (teams/emea/globex), each with a check queued as run 1.
func deepRoot(t *testing.T) (root, acme, globex string) {
	t.Helper()
	root = t.TempDir()
	acme, globex = filepath.Join(root, "acme"), filepath.Join(root, "teams", "emea", "globex")
	for m, to := range map[string]string{"acme": acme, "globex": globex} {
		dir := queueProject(t, m)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(dir, to); err != nil {
			t.Fatal(err)
		}
		if out := mustRun(t, "-C", to, "check", "--queue"); out != "run 1 queued\n" {
			t.Fatalf("check --queue in %s: %q", to, out)
		}
	}
	return root, acme, globex
}

// waitRun waits up to two minutes for run 1 of dir to finish, and fails
// unless it ran.
func waitRun(t *testing.T, dir string, log func() string) {
	t.Helper()
	type result struct {
		code     int
		out, err string
	}
	done := make(chan result, 1)
	go func() {
		code, out, errOut := runCLI(t, nil, "-C", dir, "wait", "1")
		done <- result{code, out, errOut}
	}()
	select {
	case r := <-done:
		if r.code != 0 && r.code != exitGate {
			t.Errorf("wait 1 in %s: exit %d %s%s\nlog:\n%s", dir, r.code, r.out, r.err, log())
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("run 1 of %s did not run in two minutes: no worker serves it\nlog:\n%s", dir, log())
	}
}

// TestWorkerRootFindsDeepProjects: worker --root serves a project two
// levels down, as serve's dashboard lists it; its queued check runs.
func TestWorkerRootFindsDeepProjects(t *testing.T) {
	root, acme, globex := deepRoot(t)
	stop := inProcessWorker(t, nil, "--root", root)
	waitRun(t, globex, stop)
	waitRun(t, acme, stop)
	if log := stop(); !strings.Contains(log, "serving [globex]") || !strings.Contains(log, "serving [acme]") {
		t.Errorf("the worker does not serve both projects:\n%s", log)
	}
}

// TestServeRootWorkersFindDeepProjects: serve --root executes the queued
// check of a project two levels down on its own workers — the projects it
// shows are the projects it runs.
func TestServeRootWorkersFindDeepProjects(t *testing.T) {
	root, acme, globex := deepRoot(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- MainContext(ctx, backend(), []string{"serve", "--root", root, "--addr", "127.0.0.1:0"},
			strings.NewReader(""), &bytes.Buffer{}, &stderr, func(k string) string {
				if k == "HANDOVER_STATE" {
					return ""
				}
				return os.Getenv(k)
			})
	}()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(stderr.String(), "serving") && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case code := <-done:
			t.Fatalf("serve exited %d:\n%s", code, stderr.String())
		default:
		}
	}
	if !strings.Contains(stderr.String(), "serving 2 migration(s)") {
		t.Fatalf("serve --root does not serve both migrations:\n%s", stderr.String())
	}
	waitRun(t, globex, stderr.String)
	waitRun(t, acme, stderr.String)
	cancel()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("serve did not stop")
	}
}
