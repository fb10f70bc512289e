package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handover/handover/internal/testenv"
)

// TestWorkerInAnotherCopySharesS3Artifacts: a delivery received in one
// copy of a project whose artifacts: is a bucket is checked and imported
// by a `handover worker` started in another copy (same bucket, same
// PostgreSQL state store); the first copy shows the runs and exports their
// rejects from the bucket. No credential is printed.
func TestWorkerInAnotherCopySharesS3Artifacts(t *testing.T) {
	pg := testenv.FreshPostgres(t)
	s3 := testenv.FreshS3(t)
	root := t.TempDir()
	a, b := filepath.Join(root, "a"), filepath.Join(root, "b")
	mustRun(t, "init", a)
	cfg := filepath.Join(a, "handover.yaml")
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	withStore := strings.Replace(string(data), "environments:", "artifacts: "+s3.URL("acme")+"\n\nenvironments:", 1)
	if err := os.WriteFile(cfg, []byte(withStore), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(b, os.DirFS(a)); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HANDOVER_STATE": pg, "AWS_ACCESS_KEY_ID": s3.AccessKey, "AWS_SECRET_ACCESS_KEY": s3.SecretKey}
	penv := []string{"HANDOVER_STATE=" + pg, "AWS_ACCESS_KEY_ID=" + s3.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s3.SecretKey}
	var shown strings.Builder
	shown.WriteString(mustRunEnv(t, env, "-C", a, "receive", filepath.Join(a, "sample")))
	check := queueRun(t, env, a, "check")
	imp := queueRun(t, env, a, "import", "--env", "dev")
	w := startWorkerProc(t, penv, "-C", b, "worker")
	code, out := waitProc(t, penv, 2*time.Minute, a, check, imp)
	if code != 0 {
		t.Fatalf("wait: exit %d\n%s\nworker:\n%s", code, out, w.out.String())
	}
	shown.WriteString(out)
	show := mustRunEnv(t, env, "-C", a, "show", "1")
	shown.WriteString(show)
	if want := "s3://" + s3.Bucket + "/acme/runs/1"; !strings.Contains(show, want) {
		t.Errorf("show 1 does not name %s:\n%s", want, show)
	}
	rejects := mustRunEnv(t, env, "-C", a, "rejects", "2", "--entity", "contacts")
	shown.WriteString(rejects)
	if lines := strings.Count(rejects, "\n"); !strings.Contains(rejects, "line,errors") || lines < 2 {
		t.Errorf("rejects 2 from the bucket:\n%s", rejects)
	}
	xlsx := filepath.Join(t.TempDir(), "rejects.xlsx")
	mustRunEnv(t, env, "-C", a, "rejects", "2", "--format", "xlsx", "-o", xlsx)
	if fi, err := os.Stat(xlsx); err != nil || fi.Size() == 0 {
		t.Errorf("rejects 2 as a workbook: %v", err)
	}
	w.terminate(t)
	shown.WriteString(w.out.String())
	for _, secret := range []string{s3.SecretKey, s3.AccessKey} {
		if strings.Contains(shown.String(), secret) {
			t.Errorf("the output shows an S3 credential:\n%s", shown.String())
		}
	}
	for _, dir := range []string{a, b} {
		if _, err := os.Stat(filepath.Join(dir, ".handover", "runs")); err == nil {
			t.Errorf("%s/.handover/runs exists: the runs' artifacts belong in the bucket", dir)
		}
	}
}
