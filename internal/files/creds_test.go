package files

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handover/handover/internal/testenv"
)

const credFile = `# a comment
[default]
aws_access_key_id = AKDEFAULT
aws_secret_access_key = secretDefault123

; another comment
[profile staging]
aws_access_key_id=AKSTAGING
aws_secret_access_key=secretStaging456
aws_session_token = tokenStaging789

[broken]
aws_access_key_id = AKONLY
`

func TestCredentialsFrom(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "credentials")
	if err := os.WriteFile(file, []byte(credFile), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(bad, []byte("[default]\naws_secret_access_key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, ".aws"), 0o755)
	os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte(credFile), 0o600)

	cases := []struct {
		name          string
		env           map[string]string
		file, profile string
		wantKey       string
		wantToken     string
		wantErr       string
	}{
		{name: "environment", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "secretEnv"}, wantKey: "AKENV"},
		{name: "environment with token", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "secretEnv", "AWS_SESSION_TOKEN": "tok"}, wantKey: "AKENV", wantToken: "tok"},
		{name: "only the key id", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKENV"}, wantErr: "AWS_SECRET_ACCESS_KEY is not"},
		{name: "only the secret", env: map[string]string{"AWS_SECRET_ACCESS_KEY": "secretEnv"}, wantErr: "AWS_ACCESS_KEY_ID is not"},
		{name: "named file wins over environment", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "secretEnv"}, file: file, wantKey: "AKDEFAULT"},
		{name: "named profile", file: file, profile: "staging", wantKey: "AKSTAGING", wantToken: "tokenStaging789"},
		{name: "AWS_PROFILE", env: map[string]string{"AWS_PROFILE": "staging"}, file: file, wantKey: "AKSTAGING"},
		{name: "missing profile", file: file, profile: "prod", wantErr: `has no profile "prod" (profiles: broken, default, staging)`},
		{name: "incomplete profile", file: file, profile: "broken", wantErr: "needs aws_access_key_id and aws_secret_access_key"},
		{name: "malformed file", file: bad, wantErr: bad + ":2: expected key = value"},
		{name: "missing file", file: filepath.Join(dir, "nope"), wantErr: "no such file"},
		{name: "shared file from HOME", env: map[string]string{"HOME": home}, wantKey: "AKDEFAULT"},
		{name: "shared file named by variable", env: map[string]string{"AWS_SHARED_CREDENTIALS_FILE": file, "AWS_PROFILE": "staging"}, wantKey: "AKSTAGING"},
		{name: "nothing", env: map[string]string{"HOME": t.TempDir()}, wantKey: ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			getenv := func(k string) string { return c.env[k] }
			got, err := CredentialsFrom(getenv, c.file, c.profile)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, c.wantErr)
				}
				for _, secret := range []string{"secretEnv", "secretDefault123", "secretStaging456"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("error reveals a secret: %v", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.AccessKey != c.wantKey || (c.wantToken != "" && got.SessionToken != c.wantToken) {
				t.Errorf("got key %q token %q, want %q %q", got.AccessKey, got.SessionToken, c.wantKey, c.wantToken)
			}
			if c.wantKey != "" && got.SecretKey == "" {
				t.Error("secret key missing")
			}
		})
	}
}

// TestCredentialsNeverPrint formats credentials every way a log line or a
// protocol could.
func TestCredentialsNeverPrint(t *testing.T) {
	c := Credentials{AccessKey: "AKIDVISIBLE", SecretKey: "s3cr3t-do-not-print", SessionToken: "tok3n-do-not-print", Source: "environment"}
	js, _ := json.Marshal(struct{ C Credentials }{c})
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("open", "creds", c)
	outputs := []string{
		fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s %q", c, c, c, c, c), fmt.Sprintf("%v", &c),
		string(js), logged.String(),
	}
	for _, out := range outputs {
		for _, secret := range c.secrets() {
			if strings.Contains(out, secret) {
				t.Errorf("%q reveals %q", out, secret)
			}
		}
	}
}

// TestS3ErrorsHideSecrets triggers the failures an S3 store can meet —
// wrong secret, unknown key, missing bucket, unreachable endpoint — and
// checks that no error text carries the credentials.
func TestS3ErrorsHideSecrets(t *testing.T) {
	srv := testenv.FreshS3(t)
	good := Credentials{AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Source: "test"}
	wrong := Credentials{AccessKey: srv.AccessKey, SecretKey: "wrong-" + srv.SecretKey, Source: "test"}
	unknown := Credentials{AccessKey: "AKUNKNOWN" + srv.AccessKey, SecretKey: srv.SecretKey, Source: "test"}
	ctx := context.Background()
	cases := []struct {
		name  string
		url   string
		creds Credentials
		want  string
	}{
		{"wrong secret", srv.URL("p"), wrong, "signature"},
		{"unknown key", srv.URL("p"), unknown, "access key"},
		{"missing bucket", strings.Replace(srv.URL("p"), srv.Bucket, "no-such-bucket", 1), good, `bucket "no-such-bucket" does not exist`},
		{"unreachable endpoint", "s3://bucket/p?endpoint=127.0.0.1:1&secure=false", good, "connection refused"},
		{"no credentials", srv.URL("p"), Credentials{}, "no S3 credentials"},
		{"credentials in the URL", "s3://" + srv.AccessKey + ":" + srv.SecretKey + "@b/p", good, "do not belong in the URL"},
		{"secret as a parameter", srv.URL("p") + "&secret=" + srv.SecretKey, good, `unknown parameter "secret"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			_, err := Open(ctx, c.url, c.creds)
			if err == nil {
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(c.want)) {
				t.Errorf("error = %v, want it to mention %q", err, c.want)
			}
			for _, secret := range []string{srv.SecretKey, wrong.SecretKey, srv.AccessKey} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error reveals a credential: %v", err)
				}
			}
		})
	}
}
