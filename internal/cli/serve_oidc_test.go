package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeOIDCFlags: single sign-on needs issuer and client id; a bad
// public URL or an unreachable provider is a usage error, and the client
// secret (from the environment or a file) is never printed.
func TestServeOIDCFlags(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "acme")
	mustRun(t, "init", dir)
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte("file-secret-4711\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HANDOVER_OIDC_CLIENT_SECRET": "env-secret-4711", "HANDOVER_STATE": ""}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--oidc-issuer", "https://login.example.com"}, "single sign-on needs both --oidc-issuer and --oidc-client-id"},
		{[]string{"--oidc-client-id", "handover"}, "single sign-on needs both --oidc-issuer and --oidc-client-id"},
		{[]string{"--oidc-client-secret-file", secretFile}, "--oidc-client-secret-file goes with --oidc-issuer and --oidc-client-id"},
		{[]string{"--oidc-issuer", "http://127.0.0.1:1", "--oidc-client-id", "handover", "--public-url", "ftp://x"}, `--public-url "ftp://x": want http(s)://HOST[:PORT]`},
		{[]string{"--oidc-issuer", "http://127.0.0.1:1", "--oidc-client-id", "handover", "--oidc-client-secret-file", filepath.Join(dir, "missing")}, "--oidc-client-secret-file:"},
		{[]string{"--oidc-issuer", "http://127.0.0.1:1", "--oidc-client-id", "handover"}, "oidc: discover http://127.0.0.1:1"},
		{[]string{"--oidc-issuer", "http://127.0.0.1:1", "--oidc-client-id", "handover", "--oidc-client-secret-file", secretFile}, "oidc: discover http://127.0.0.1:1"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			code, out, errOut := runCLI(t, env, append([]string{"-C", dir, "serve", "--addr", "127.0.0.1:0"}, c.args...)...)
			if code != 2 || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, stderr %q; want 2 with %q", code, errOut, c.want)
			}
			if strings.Contains(out+errOut, "secret-4711") {
				t.Errorf("the client secret was printed: %s%s", out, errOut)
			}
		})
	}
}
