package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/testenv"
)

// s3Fixtures are two copies of one project whose artifacts: is the same
// bucket and whose state store is the same PostgreSQL database: two
// machines of a team.
func s3Fixtures(t *testing.T) (a, b *fixture, srv testenv.S3Server) {
	t.Helper()
	srv = testenv.FreshS3(t)
	dsn := testenv.FreshPostgres(t)
	a = newFixture(t, func(cfg string) string {
		return strings.Replace(cfg, "environments:", "artifacts: "+srv.URL("teams/acme")+"\n\nenvironments:", 1)
	})
	dir := filepath.Join(t.TempDir(), "acme-copy")
	if err := os.CopyFS(dir, os.DirFS(a.dir)); err != nil {
		t.Fatal(err)
	}
	b = &fixture{t: t, dir: dir, env: map[string]string{}, now: a.now}
	b.svc = New(Config{Version: "test", Now: func() time.Time { return b.now }, Getenv: func(k string) string { return b.env[k] }})
	for _, f := range []*fixture{a, b} {
		f.env["HANDOVER_STATE"] = dsn
		f.env["AWS_ACCESS_KEY_ID"], f.env["AWS_SECRET_ACCESS_KEY"] = srv.AccessKey, srv.SecretKey
	}
	return a, b, srv
}

// A delivery received in one copy of the project is checked and imported
// by a worker in another copy (same bucket, same state store), and the
// first copy shows the runs and reads their report and rejects; nothing
// of it lands in either copy's .handover/.
func TestArtifactsInS3AreSharedByTwoCopies(t *testing.T) {
	ctx := context.Background()
	a, b, srv := s3Fixtures(t)
	delivery := filepath.Join(t.TempDir(), "delivery")
	if err := os.CopyFS(delivery, os.DirFS(filepath.Join(a.dir, "sample"))); err != nil {
		t.Fatal(err)
	}
	scan := []byte("%PDF-1.4 a scanned contract")
	if err := os.MkdirAll(filepath.Join(delivery, "files"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(delivery, "files", "scan.pdf"), scan, 0o644); err != nil {
		t.Fatal(err)
	}
	x, err := a.svc.Receive(ctx, ReceiveRequest{Actor: tester, Project: a.dir, Paths: []string{delivery}})
	if err != nil {
		t.Fatal(err)
	}
	n := x.Number
	q := &recordingQueue{}
	for _, req := range []QueueRequest{{Kind: protocol.KindCheck}, {Kind: protocol.KindImport, Env: "dev"}, {Kind: protocol.KindSync, Env: "dev"}} {
		req.Actor, req.Project = tester, a.dir
		if _, err := a.svc.Queue(ctx, req, q); err != nil {
			t.Fatal(err)
		}
	}
	for _, qr := range q.runs {
		qr.Project = b.dir // the worker's own copy of the migration
		res, err := b.svc.Execute(ctx, qr)
		if err != nil || res.Protocol.Status != protocol.StatusSucceeded {
			t.Fatalf("worker executes run %d: %+v, %v", qr.Run, res, err)
		}
	}
	// The attachment went from the bucket to the worker's file store.
	if got, err := os.ReadFile(filepath.Join(b.dir, ".handover", "dev-files", "scan.pdf")); err != nil || !bytes.Equal(got, scan) {
		t.Errorf("files sync from the bucket: %q, %v", got, err)
	}
	for _, run := range []int{1, 2} {
		res, err := a.svc.Show(ctx, ShowRequest{Actor: tester, Project: a.dir, Run: run})
		if err != nil {
			t.Fatal(err)
		}
		p := res.Run.Protocol
		want := "s3://" + srv.Bucket + "/teams/acme/runs/" + strconv.Itoa(run)
		if res.Run.Artifacts != want || p.Artifacts != want || p.Extraction != n || p.Hashes.Inputs["kontakte.csv"] == "" {
			t.Errorf("run %d: artifacts %q (protocol %q), extraction %d, inputs %v; want %q", run, res.Run.Artifacts, p.Artifacts, p.Extraction, p.Hashes.Inputs, want)
		}
		stored := readArtifact(t, a, run, "protocol.json")
		var sp protocol.Protocol
		if err := json.Unmarshal([]byte(stored), &sp); err != nil || sp.Run != run || sp.Status != protocol.StatusSucceeded || sp.Report != "report.html" {
			t.Errorf("run %d: stored protocol.json: %+v, %v", run, sp, err)
		}
		if html := readArtifact(t, a, run, "report.html"); !strings.Contains(html, "<html") {
			t.Errorf("run %d: report.html is no page: %.80q", run, html)
		}
		rejected := 0
		for _, e := range p.Entities {
			if e.Rejects == "" || e.Rejected == 0 {
				continue
			}
			rejected++
			if rows := readArtifact(t, a, run, e.Rejects); strings.Count(rows, "\n") < 2 {
				t.Errorf("run %d: %s holds no rejected row:\n%s", run, e.Rejects, rows)
			}
		}
		if rejected == 0 {
			t.Errorf("run %d recorded no rejects file; the sample has rejected rows", run)
		}
		if strings.Contains(stored, srv.SecretKey) || strings.Contains(stored, srv.AccessKey) {
			t.Errorf("run %d: protocol.json shows the S3 credentials", run)
		}
	}
	for _, f := range []*fixture{a, b} {
		for _, sub := range []string{"extractions", "runs"} {
			if _, err := os.Stat(filepath.Join(f.dir, ".handover", sub)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s/.handover/%s exists (%v): artifacts belong in the bucket", f.dir, sub, err)
			}
		}
	}
	// replay reads the run's recorded artifacts from the bucket.
	rp, err := a.svc.Replay(ctx, ReplayRequest{Actor: tester, Project: a.dir, Run: 1, Workers: 1})
	if err != nil || !rp.Identical {
		t.Errorf("replay of run 1 from the bucket: %+v, %v", rp, err)
	}
	// The second copy sees the same delivery.
	if x, err := b.svc.extraction(ctx, mustProject(t, b), 0); err != nil || x.Number != n || len(x.Files) == 0 {
		t.Fatalf("the worker's copy: extraction %+v, %v", x, err)
	}
}

// A stored object changed behind the store's back fails the next run,
// naming the file.
func TestTamperedObjectInS3FailsTheRun(t *testing.T) {
	ctx := context.Background()
	a, b, srv := s3Fixtures(t)
	a.receive(-1)
	key := "teams/acme/extractions/1/kontakte.csv"
	c := srv.Client(t)
	obj, err := c.GetObject(ctx, srv.Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(obj)
	obj.Close()
	if err != nil {
		t.Fatal(err)
	}
	changed := bytes.Replace(body, []byte("K001"), []byte("K999"), 1)
	if bytes.Equal(changed, body) {
		t.Fatal("the sample has no K001 to change")
	}
	if _, err := c.PutObject(ctx, srv.Bucket, key, bytes.NewReader(changed), int64(len(changed)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err := b.svc.Check(ctx, CheckRequest{Actor: tester, Project: b.dir})
	want := "extraction 1 no longer matches its manifest: kontakte.csv: content changed"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("check of a tampered delivery: %v; want %q", err, want)
	}
	if res.Protocol.Status != protocol.StatusFailed {
		t.Errorf("status %s, want failed", res.Protocol.Status)
	}
	if stored := readArtifact(t, a, res.Protocol.Run, "protocol.json"); !strings.Contains(stored, want) {
		t.Errorf("the stored protocol does not name the file:\n%s", stored)
	}
}

// Reading an extraction from the bucket streams: a 48 MiB file goes
// through with a heap that grows by far less than the file.
func TestReadingFromS3Streams(t *testing.T) {
	ctx := context.Background()
	a, _, _ := s3Fixtures(t)
	src := filepath.Join(t.TempDir(), "big")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	const size = 48 << 20
	line := []byte("K000001;Muster;Anna;anna@example.ch;01.02.1980;S1;aktiv\n")
	data := bytes.Repeat(line, size/len(line))
	if err := os.WriteFile(filepath.Join(src, "big.csv"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	data = nil
	x, err := a.svc.Receive(ctx, ReceiveRequest{Actor: tester, Project: a.dir, Paths: []string{src}})
	if err != nil {
		t.Fatal(err)
	}
	peak := heapPeak(func() {
		reads := x.Reads()
		rc, _, err := reads.Open(ctx, "big.csv")
		if err != nil {
			t.Error(err)
			return
		}
		defer rc.Close()
		if _, err := io.Copy(io.Discard, rc); err != nil {
			t.Error(err)
		}
		if err := reads.Err(); err != nil || reads.Measured()["big.csv"] == "" {
			t.Errorf("read of big.csv: measured %v, %v", reads.Measured(), err)
		}
	})
	t.Logf("reading a %d MiB object from the bucket grew the heap by %d KiB", size>>20, peak>>10)
	if peak > 16<<20 {
		t.Errorf("reading a %d MiB object grew the heap by %d MiB: it is buffered, not streamed", size>>20, peak>>20)
	}
}

// heapPeak runs fn and returns how far the heap in use grew above where
// it started, sampled every few milliseconds.
func heapPeak(fn func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapInuse, ms.HeapInuse
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	if peak < base {
		return 0
	}
	return peak - base
}

func readArtifact(t *testing.T, f *fixture, run int, name string) string {
	t.Helper()
	rc, err := f.svc.OpenArtifact(context.Background(), ArtifactRequest{Actor: tester, Project: f.dir, Run: run, Name: name})
	if err != nil {
		t.Fatalf("run %d: %s: %v", run, name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustProject(t *testing.T, f *fixture) *project.Project {
	t.Helper()
	p, err := f.svc.Project(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Receives into one bucket from two copies at the same moment take
// distinct numbers, and each extraction holds its own delivery; a number
// a failed receive claimed stays taken without hiding the ones after it.
func TestConcurrentReceivesIntoS3TakeDistinctNumbers(t *testing.T) {
	ctx := context.Background()
	a, b, srv := s3Fixtures(t)
	// A receive that claimed 1 and died before its manifest.
	if _, err := srv.Client(t).PutObject(ctx, srv.Bucket, "teams/acme/extractions/1.claim", strings.NewReader("{}"), 2, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	const each = 3
	var wg sync.WaitGroup
	got := make(chan [2]string, 2*each)
	for _, f := range []*fixture{a, b} {
		for i := range each {
			wg.Add(1)
			go func() {
				defer wg.Done()
				src := filepath.Join(t.TempDir(), "d")
				label := filepath.Base(f.dir) + "-" + strconv.Itoa(i)
				if err := os.MkdirAll(src, 0o755); err != nil {
					t.Error(err)
					return
				}
				if err := os.WriteFile(filepath.Join(src, "who.txt"), []byte(label+"\n"), 0o644); err != nil {
					t.Error(err)
					return
				}
				x, err := f.svc.Receive(ctx, ReceiveRequest{Actor: tester, Project: f.dir, Paths: []string{src}, Label: label})
				if err != nil {
					t.Errorf("receive %s: %v", label, err)
					return
				}
				got <- [2]string{strconv.Itoa(x.Number), label}
			}()
		}
	}
	wg.Wait()
	close(got)
	seen := map[string]string{}
	for g := range got {
		if other, dup := seen[g[0]]; dup {
			t.Errorf("extraction %s taken by %s and %s", g[0], other, g[1])
		}
		seen[g[0]] = g[1]
	}
	if len(seen) != 2*each || seen["1"] != "" {
		t.Fatalf("extractions: %v; want %d distinct numbers from 2 on", seen, 2*each)
	}
	p := mustProject(t, a)
	for num, label := range seen {
		n, _ := strconv.Atoi(num)
		x, err := a.svc.extraction(ctx, p, n)
		if err != nil || x.Label != label {
			t.Fatalf("extraction %d: %+v, %v; want label %s", n, x, err, label)
		}
		reads := x.Reads()
		rc, _, err := reads.Open(ctx, "who.txt")
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(body) != label+"\n" {
			t.Errorf("extraction %d holds %q (%v), want %s's delivery", n, body, err, label)
		}
	}
	latest, err := a.svc.extraction(ctx, p, 0)
	if err != nil || latest.Number != 2*each+1 {
		t.Errorf("the newest extraction: %+v, %v; want %d", latest, err, 2*each+1)
	}
}

// A portal upload into a project whose artifacts are in a bucket is
// stored as objects with the hashes measured while it streamed to the
// staging directory (Verify reads them back), and no staged file is left
// on this machine.
func TestDeliverIntoS3(t *testing.T) {
	ctx := context.Background()
	a, _, _ := s3Fixtures(t)
	data, err := os.ReadFile(filepath.Join(a.dir, "sample", "kontakte.csv"))
	if err != nil {
		t.Fatal(err)
	}
	before, _ := filepath.Glob(filepath.Join(os.TempDir(), "handover-receive-*"))
	res, err := a.svc.Deliver(ctx, DeliverRequest{Actor: tester, Project: a.dir, Parts: &oneFile{name: "kontakte.csv", data: data}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.svc.Project(a.dir)
	if err != nil {
		t.Fatal(err)
	}
	x, err := a.svc.extraction(ctx, p, res.Extraction)
	if err != nil {
		t.Fatal(err)
	}
	if x.Dir != "" || len(x.Files) != 1 || x.Files[0].Path != "kontakte.csv" || x.Files[0].Size != int64(len(data)) {
		t.Fatalf("extraction %d: dir %q, files %+v", x.Number, x.Dir, x.Files)
	}
	if bad, err := x.Verify(ctx); err != nil || len(bad) > 0 {
		t.Errorf("verify the uploaded objects: %v %v", bad, err)
	}
	after, _ := filepath.Glob(filepath.Join(os.TempDir(), "handover-receive-*"))
	if len(after) > len(before) {
		t.Errorf("staging directories left: %v (before: %v)", after, before)
	}
	if _, err := os.Stat(filepath.Join(a.dir, ".handover", "extractions")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf(".handover/extractions exists beside the bucket: %v", err)
	}
}
