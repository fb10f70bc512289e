package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/testenv"
)

// filesProject scaffolds a project whose dev environment ships files to
// store, and returns it with a delivery holding a files/ tree.
func filesProject(t *testing.T, store string) (dir, delivery string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "p")
	mustRun(t, "init", dir)
	cfg := filepath.Join(dir, "handover.yaml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(b), "files: dir://.handover/dev-files", "files: "+store, 1)
	if text == string(b) {
		t.Fatal("scaffold's dev files line not found")
	}
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	delivery = filepath.Join(t.TempDir(), "d")
	copyDir(t, filepath.Join(dir, "sample"), delivery)
	for name, body := range map[string]string{"files/a.pdf": "AAA", "files/sub/b.png": "BBBB", "files/c.txt": "C"} {
		writeFile(t, filepath.Join(delivery, name), body)
	}
	return dir, delivery
}

func syncJSON(t *testing.T, env map[string]string, dir string) *protocol.Files {
	t.Helper()
	code, out, errOut := runCLI(t, env, "-C", dir, "files", "sync", "--env", "dev", "--json")
	if code != 0 {
		t.Fatalf("files sync: exit %d\n%s\n%s", code, out, errOut)
	}
	var p protocol.Protocol
	if err := json.Unmarshal([]byte(out), &p); err != nil || p.Files == nil {
		t.Fatalf("files sync --json: %v\n%s", err, out)
	}
	if p.Kind != protocol.KindSync || p.Status != protocol.StatusSucceeded {
		t.Fatalf("sync run %+v", p)
	}
	return p.Files
}

func testFilesCLI(t *testing.T, store string, env map[string]string, alter func(path string)) {
	dir, delivery := filesProject(t, store)
	mustRunEnv(t, env, "-C", dir, "receive", delivery)
	if f := syncJSON(t, env, dir); f.Uploaded.Files != 3 || f.New.Files != 3 {
		t.Fatalf("first sync: %+v", f)
	}
	if f := syncJSON(t, env, dir); f.Uploaded.Files != 0 || f.Unchanged.Files != 3 {
		t.Fatalf("second sync of the same extraction uploaded: %+v", f)
	}
	// Extraction 2: a.pdf modified, d.doc added, c.txt unchanged, b.png gone.
	writeFile(t, filepath.Join(delivery, "files/a.pdf"), "AAA, revised")
	writeFile(t, filepath.Join(delivery, "files/d.doc"), "DDD")
	os.Remove(filepath.Join(delivery, "files/sub/b.png"))
	mustRunEnv(t, env, "-C", dir, "receive", delivery)
	code, out, _ := runCLI(t, env, "-C", dir, "files", "sync", "--env", "dev", "--dry-run")
	if code != 0 || !strings.Contains(out, "dry run") || !strings.Contains(out, "d.doc") {
		t.Fatalf("dry run: exit %d\n%s", code, out)
	}
	f := syncJSON(t, env, dir)
	if f.New.Files != 1 || f.Changed.Files != 1 || f.Unchanged.Files != 1 || f.Extra.Files != 1 || f.Uploaded.Files != 2 {
		t.Fatalf("sync of extraction 2: %+v", f)
	}
	if code, out, _ := runCLI(t, env, "-C", dir, "files", "verify", "--env", "dev"); code != 0 {
		t.Fatalf("verify after sync: exit %d\n%s", code, out)
	}
	alter("a.pdf")
	code, out, _ = runCLI(t, env, "-C", dir, "files", "verify", "--env", "dev", "--deep")
	if code != 3 || !strings.Contains(out, "a.pdf") {
		t.Fatalf("verify of an altered file: exit %d, want 3\n%s", code, out)
	}
	for _, secret := range env {
		if secret != "" && strings.Contains(out, secret) {
			t.Fatalf("a secret appears in the output")
		}
	}
}

func TestFilesCLIDir(t *testing.T) {
	storeDir := filepath.Join(t.TempDir(), "store")
	testFilesCLI(t, "dir://"+storeDir, nil, func(p string) {
		path := filepath.Join(storeDir, p)
		os.Chmod(path, 0o644)
		writeFile(t, path, "tampered")
	})
}

func TestFilesCLIS3(t *testing.T) {
	s3 := testenv.FreshS3(t)
	env := map[string]string{"AWS_ACCESS_KEY_ID": s3.AccessKey, "AWS_SECRET_ACCESS_KEY": s3.SecretKey}
	testFilesCLI(t, s3.URL("acme"), env, func(p string) {
		putObject(t, s3, "acme/"+p, "tampered")
	})
}

func mustRunEnv(t testing.TB, env map[string]string, args ...string) string {
	t.Helper()
	code, out, errOut := runCLI(t, env, args...)
	if code != 0 {
		t.Fatalf("handover %s: exit %d\n%s\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(to, e.Name()), string(b))
	}
}

// putObject overwrites an object behind handover's back, keeping the
// sha256 metadata of the original so that only a deep verify can tell.
func putObject(t *testing.T, s3 testenv.S3Server, key, body string) {
	t.Helper()
	ctx := context.Background()
	c := s3.Client(t)
	info, err := c.StatObject(ctx, s3.Bucket, key, minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	meta := map[string]string{}
	for k, v := range info.UserMetadata {
		meta[k] = v
	}
	if _, err := c.PutObject(ctx, s3.Bucket, key, strings.NewReader(body), int64(len(body)),
		minio.PutObjectOptions{UserMetadata: meta}); err != nil {
		t.Fatal(err)
	}
}
