package project

import (
	"path/filepath"
	"strings"
	"testing"
)

// artifacts: names the artifact store: a dir:// path is resolved against
// the project, ${VAR} is expanded, and a bad value is a problem naming the
// line.
func TestArtifactsSetting(t *testing.T) {
	for _, tt := range []struct {
		name, value string
		vars        map[string]string
		want, err   string
	}{
		{"unset", "", nil, "", ""},
		{"s3", "s3://bucket/acme?endpoint=127.0.0.1:9000&secure=false", nil, "s3://bucket/acme?endpoint=127.0.0.1:9000&secure=false", ""},
		{"variable", "s3://${BUCKET}/acme", map[string]string{"BUCKET": "team"}, "s3://team/acme", ""},
		{"relative dir", "dir://shared/artifacts", nil, "dir://{dir}/shared/artifacts", ""},
		{"unset variable", "s3://${BUCKET}/acme", nil, "", "handover.yaml:2: artifacts:"},
		{"no bucket", "s3:///acme", nil, "", `handover.yaml:2: artifacts: "s3:///acme" names no bucket`},
		{"no scheme", "/srv/artifacts", nil, "", "handover.yaml:2: artifacts: unsupported file store"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := "migration: test\n"
			if tt.value != "" {
				cfg += "artifacts: " + tt.value + "\n"
			}
			cfg += "environments:\n  dev:\n    database: sqlite://.handover/dev.db\n"
			dir := writeProject(t, map[string]string{"handover.yaml": cfg})
			p, err := Load(dir, env(tt.vars))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Load: %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := strings.ReplaceAll(tt.want, "{dir}", filepath.ToSlash(dir))
			if p.Artifacts != want {
				t.Errorf("Artifacts = %q, want %q", p.Artifacts, want)
			}
		})
	}
}
