package files

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseS3URL(t *testing.T) {
	cases := []struct {
		url     string
		want    S3Config
		wantErr string
	}{
		{url: "s3://bucket", want: S3Config{Endpoint: "s3.amazonaws.com", Bucket: "bucket"}},
		{url: "s3://bucket/acme/prod/", want: S3Config{Endpoint: "s3.amazonaws.com", Bucket: "bucket", Prefix: "acme/prod"}},
		{url: "s3://bucket/acme?endpoint=127.0.0.1:9000&secure=false&region=eu-central-2",
			want: S3Config{Endpoint: "127.0.0.1:9000", Insecure: true, Region: "eu-central-2", Bucket: "bucket", Prefix: "acme"}},
		{url: "s3://bucket/acme?secure=true", want: S3Config{Endpoint: "s3.amazonaws.com", Bucket: "bucket", Prefix: "acme"}},
		{url: "s3:///acme", wantErr: "names no bucket"},
		{url: "s3://bucket/a?secure=maybe", wantErr: `secure="maybe" is not true or false`},
		{url: "s3://bucket/a?endpoint=http://host:9000", wantErr: "endpoint must be HOST or HOST:PORT"},
		{url: "s3://bucket/a?token=t0kenval", wantErr: `unknown parameter "token"`},
		{url: "s3://bucket/a/../b", wantErr: "bad prefix"},
		{url: "s3://KEY:s3cr3tval@bucket/a", wantErr: "credentials do not belong in the URL"},
	}
	for _, c := range cases {
		got, err := ParseS3URL(c.url)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("ParseS3URL(%q) error = %v, want %q", c.url, err, c.wantErr)
			}
			if err != nil && (strings.Contains(err.Error(), "s3cr3tval") || strings.Contains(err.Error(), "t0kenval")) {
				t.Errorf("ParseS3URL(%q) error reveals a secret: %v", c.url, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseS3URL(%q) = %+v, %v; want %+v", c.url, got, err, c.want)
		}
	}
}

func TestOpenDir(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(context.Background(), "dir://"+dir+"/files", Credentials{})
	if err != nil {
		t.Fatal(err)
	}
	if s.String() != "dir://"+filepath.Join(dir, "files") {
		t.Errorf("String() = %q", s.String())
	}
	for _, bad := range []string{"dir://relative/path", "ftp://host/x", "no-scheme", "dir://" + dir + "?x=1"} {
		if _, err := Open(context.Background(), bad, Credentials{}); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
}
