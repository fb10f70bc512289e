package testenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Server is an S3-compatible server on loopback with a bucket made
// fresh for one test.
type S3Server struct {
	Endpoint  string // HOST:PORT, plain HTTP
	AccessKey string
	SecretKey string
	Bucket    string
}

// URL returns the file store URL of prefix in the bucket.
func (s S3Server) URL(prefix string) string {
	return fmt.Sprintf("s3://%s/%s?endpoint=%s&secure=false", s.Bucket, prefix, s.Endpoint)
}

// Client returns a client for the server, for tests that tamper with
// objects behind a store's back.
func (s S3Server) Client(t testing.TB) *minio.Client {
	t.Helper()
	c, err := minio.New(s.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(s.AccessKey, s.SecretKey, "")})
	if err != nil {
		t.Fatalf("s3 client: %v", err)
	}
	return c
}

// FreshS3 returns an S3 server with a new, empty bucket, per
// HANDOVER_TEST_S3:
//
//   - "start": start versitygw (from PATH, $GOPATH/bin or ~/go/bin) or,
//     failing that, minio, on a free port with fresh credentials and a
//     temporary directory, and stop it when the test ends;
//   - a path to a versitygw or minio binary: start that one;
//   - http://KEY:SECRET@HOST:PORT: use that running server (the bucket is
//     emptied and removed when the test ends).
//
// Unset, the test is skipped (failed under HANDOVER_TEST_DISALLOW_SKIP=1).
func FreshS3(t testing.TB) S3Server {
	t.Helper()
	v := S3(t)
	var srv S3Server
	var started bool
	switch {
	case strings.HasPrefix(v, "http://"):
		srv = parseS3URL(t, v)
	case v == "start":
		srv, started = startS3(t, findS3Binary(t)), true
	default:
		srv, started = startS3(t, v), true
	}
	srv.Bucket = "ht-" + s3Random(t)
	c := srv.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.MakeBucket(ctx, srv.Bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("create test bucket: %v", err)
	}
	if !started {
		t.Cleanup(func() { removeBucket(t, c, srv.Bucket) })
	}
	return srv
}

func parseS3URL(t testing.TB, v string) S3Server {
	u, err := url.Parse(v)
	if err != nil || u.User == nil || u.Host == "" {
		t.Fatalf("%s must be start, a server binary, or http://KEY:SECRET@HOST:PORT", S3Var)
	}
	secret, _ := u.User.Password()
	return S3Server{Endpoint: u.Host, AccessKey: u.User.Username(), SecretKey: secret}
}

// findS3Binary looks for versitygw, then minio.
func findS3Binary(t testing.TB) string {
	var dirs []string
	if gp := os.Getenv("GOPATH"); gp != "" {
		dirs = append(dirs, filepath.Join(gp, "bin"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, name := range []string{"versitygw", "minio"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
		for _, d := range dirs {
			if p := filepath.Join(d, name); isFile(p) {
				return p
			}
		}
	}
	t.Fatalf("%s=start: neither versitygw nor minio found (go install github.com/versity/versitygw/cmd/versitygw@latest)", S3Var)
	return ""
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// startS3 runs the server binary on a free port until the test ends.
func startS3(t testing.TB, bin string) S3Server {
	t.Helper()
	srv := S3Server{Endpoint: freeAddr(t), AccessKey: "AK" + s3Random(t), SecretKey: "SK" + s3Random(t) + s3Random(t)}
	dir := t.TempDir()
	var cmd *exec.Cmd
	if strings.Contains(filepath.Base(bin), "minio") {
		cmd = exec.Command(bin, "server", dir, "--address", srv.Endpoint, "--quiet")
		cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+srv.AccessKey, "MINIO_ROOT_PASSWORD="+srv.SecretKey)
	} else {
		cmd = exec.Command(bin, "--access", srv.AccessKey, "--secret", srv.SecretKey, "--port", srv.Endpoint, "--quiet", "posix", dir)
	}
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		if conn, err := net.DialTimeout("tcp", srv.Endpoint, 100*time.Millisecond); err == nil {
			conn.Close()
			return srv
		}
		select {
		case <-exited:
			t.Fatalf("%s exited before listening on %s:\n%s", bin, srv.Endpoint, out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not listen on %s within 20s:\n%s", bin, srv.Endpoint, out.String())
		}
	}
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}

func removeBucket(t testing.TB, c *minio.Client, bucket string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	objs := c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true})
	for res := range c.RemoveObjects(ctx, bucket, objs, minio.RemoveObjectsOptions{}) {
		t.Logf("remove test object %s: %v", res.ObjectName, res.Err)
	}
	if err := c.RemoveBucket(ctx, bucket); err != nil {
		t.Logf("remove test bucket %s: %v", bucket, err)
	}
}

func s3Random(t testing.TB) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// lockedBuffer collects a child process's output.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
