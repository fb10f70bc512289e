package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServeQueuesRuns: handover serve queues an import started through
// the API as a River job, its in-process worker runs it under the
// account, and a cancelled context shuts the server down cleanly.
func TestServeQueuesRuns(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../examples/acme")); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(dir, ".handover"))
	mustRun(t, "-C", dir, "receive", filepath.Join(dir, "delivery"))
	mustRun(t, "-C", dir, "users", "add", "eva@vendor.example", "--name", "Eva", "--role", "engineer")
	tok := strings.TrimSpace(mustRun(t, "-C", dir, "users", "token", "eva@vendor.example"))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- MainContext(ctx, backend(), []string{"-C", dir, "serve", "--addr", "127.0.0.1:0", "--workers", "1"},
			strings.NewReader(""), &bytes.Buffer{}, &stderr, func(k string) string {
				if k == "HANDOVER_STATE" {
					return ""
				}
				return os.Getenv(k)
			})
	}()
	addrRe := regexp.MustCompile(`on http://(\S+)`)
	var base string
	for deadline := time.Now().Add(30 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if m := addrRe.FindStringSubmatch(stderr.String()); m != nil {
			base = "http://" + m[1]
		}
	}
	if base == "" {
		t.Fatalf("serve did not start: %s", stderr.String())
	}
	call := func(method, path, body string) map[string]any {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out)
		return out
	}
	started := call("POST", "/api/v1/migrations/acme-onboarding/runs", `{"kind":"import","env":"dev"}`)
	if started["run"] != float64(1) {
		t.Fatalf("start: %v", started)
	}
	var run map[string]any
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if run = call("GET", "/api/v1/migrations/acme-onboarding/runs/1", ""); run["status"] != "queued" && run["status"] != "running" {
			break
		}
	}
	if run["status"] != "succeeded" {
		t.Fatalf("run 1: %v", run)
	}
	runs := call("GET", "/api/v1/migrations/acme-onboarding/runs", "")
	if list, _ := runs["runs"].([]any); len(list) != 1 || list[0].(map[string]any)["started_by"] != "eva@vendor.example" {
		t.Errorf("runs: %v", runs)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d: %s", code, stderr.String())
		}
	case <-time.After(time.Minute):
		t.Fatal("serve did not stop")
	}
}
