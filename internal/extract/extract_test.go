package extract

import (
	"archive/tar"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

var received = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func TestReceive(t *testing.T) {
	want := map[string]string{"kontakte.csv": "ID;Name\n1;Muster\n", "files/a/doc.pdf": "%PDF-1.4 fake"}
	members := []member{{name: "kontakte.csv", body: want["kontakte.csv"]}, {name: "files/a/doc.pdf", body: want["files/a/doc.pdf"]}}
	tests := []struct {
		name    string
		prepare func(t *testing.T, in string) []string
		sources []string
		files   map[string]string
	}{
		{"directory", func(t *testing.T, in string) []string {
			for p, body := range want {
				writeFile(t, filepath.Join(in, "sample", filepath.FromSlash(p)), body, fixedTime)
			}
			return []string{filepath.Join(in, "sample")}
		}, []string{"sample"}, want},
		{"plain files", func(t *testing.T, in string) []string {
			writeFile(t, filepath.Join(in, "x", "kontakte.csv"), want["kontakte.csv"], fixedTime)
			writeFile(t, filepath.Join(in, "y", "doc.pdf"), want["files/a/doc.pdf"], fixedTime)
			return []string{filepath.Join(in, "x", "kontakte.csv"), filepath.Join(in, "y", "doc.pdf")}
		}, []string{"kontakte.csv", "doc.pdf"}, map[string]string{"kontakte.csv": want["kontakte.csv"], "doc.pdf": want["files/a/doc.pdf"]}},
		{"zip", func(t *testing.T, in string) []string {
			makeZip(t, filepath.Join(in, "export.zip"), append([]member{{name: "files/"}}, members...))
			return []string{filepath.Join(in, "export.zip")}
		}, []string{"export.zip"}, want},
		{"tar", func(t *testing.T, in string) []string {
			makeTar(t, filepath.Join(in, "export.tar"), false, append([]member{{name: "./", kind: tar.TypeDir}}, members...))
			return []string{filepath.Join(in, "export.tar")}
		}, []string{"export.tar"}, want},
		{"tar.gz", func(t *testing.T, in string) []string {
			makeTar(t, filepath.Join(in, "export.TGZ"), true, members)
			return []string{filepath.Join(in, "export.TGZ")}
		}, []string{"export.TGZ"}, want},
		{"archive and file together", func(t *testing.T, in string) []string {
			makeTar(t, filepath.Join(in, "export.tar.gz"), true, members[1:])
			writeFile(t, filepath.Join(in, "kontakte.csv"), want["kontakte.csv"], fixedTime)
			return []string{filepath.Join(in, "export.tar.gz"), filepath.Join(in, "kontakte.csv")}
		}, []string{"export.tar.gz", "kontakte.csv"}, want},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, root := t.TempDir(), filepath.Join(t.TempDir(), "extractions")
			s := NewStore(root)
			x, err := s.Receive(context.Background(), tt.prepare(t, in), "first", received)
			if err != nil {
				t.Fatal(err)
			}
			if x.Number != 1 || x.Label != "first" || !x.Received.Equal(received) || x.Dir != filepath.Join(root, "1") {
				t.Errorf("got number %d label %q received %v dir %s", x.Number, x.Label, x.Received, x.Dir)
			}
			if !reflect.DeepEqual(x.Sources, tt.sources) {
				t.Errorf("sources = %v, want %v", x.Sources, tt.sources)
			}
			checkStored(t, x, tt.files)
			again, err := s.Get(1)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(again.Manifest, x.Manifest) {
				t.Errorf("manifest read back differs:\n%+v\n%+v", again.Manifest, x.Manifest)
			}
			if got := entries(t, root); !reflect.DeepEqual(got, []string{"1"}) {
				t.Errorf("store root holds %v, want only [1]", got)
			}
		})
	}
}

// checkStored asserts the manifest and the stored files match files
// (path → content) exactly, with hashes, mtimes and read-only modes.
func checkStored(t *testing.T, x *Extraction, files map[string]string) {
	t.Helper()
	if len(x.Files) != len(files) {
		t.Fatalf("manifest has %d files, want %d: %+v", len(x.Files), len(files), x.Files)
	}
	for i, f := range x.Files {
		if i > 0 && x.Files[i-1].Path >= f.Path {
			t.Errorf("manifest not sorted: %q before %q", x.Files[i-1].Path, f.Path)
		}
		body, ok := files[f.Path]
		if !ok {
			t.Errorf("unexpected file %q", f.Path)
			continue
		}
		if f.SHA256 != sha(body) || f.Size != int64(len(body)) || !f.ModTime.Equal(fixedTime) {
			t.Errorf("%s: manifest says size %d sha %s mtime %v; want %d %s %v", f.Path, f.Size, f.SHA256, f.ModTime, len(body), sha(body), fixedTime)
		}
		if _, err := x.Lookup(f.Path); err != nil {
			t.Fatal(err)
		}
		local := filepath.Join(x.Dir, filepath.FromSlash(f.Path))
		data, err := os.ReadFile(local)
		if err != nil || string(data) != body {
			t.Errorf("%s holds %q (%v), want %q", local, data, err, body)
		}
		info, err := os.Stat(local)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o444 || !info.ModTime().Equal(fixedTime) {
			t.Errorf("%s: mode %v mtime %v, want 0444 and %v", f.Path, info.Mode().Perm(), info.ModTime(), fixedTime)
		}
	}
	checkReadOnly(t, x.Dir)
}

func checkReadOnly(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o444)
		if d.IsDir() {
			want = 0o555
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, info.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestReceiveRefuses(t *testing.T) {
	outside := "/tmp/handover-evil-" + randomHex(t)
	tests := []struct {
		name    string
		prepare func(t *testing.T, in string) []string
		errs    []string // each must appear in the error
	}{
		{"zip slip", func(t *testing.T, in string) []string {
			makeZip(t, filepath.Join(in, "a.zip"), []member{{name: "ok.csv", body: "x"}, {name: "../evil", body: "boom"}})
			return []string{filepath.Join(in, "a.zip")}
		}, []string{"a.zip", `"../evil"`, "outside the extraction"}},
		{"zip slip nested", func(t *testing.T, in string) []string {
			makeZip(t, filepath.Join(in, "a.zip"), []member{{name: `sub\..\..\evil`, body: "boom"}})
			return []string{filepath.Join(in, "a.zip")}
		}, []string{"a.zip", "outside the extraction"}},
		{"zip absolute", func(t *testing.T, in string) []string {
			makeZip(t, filepath.Join(in, "a.zip"), []member{{name: outside, body: "boom"}})
			return []string{filepath.Join(in, "a.zip")}
		}, []string{"a.zip", outside, "absolute path"}},
		{"zip symlink", func(t *testing.T, in string) []string {
			makeZip(t, filepath.Join(in, "a.zip"), []member{{name: "link", kind: tar.TypeSymlink, link: "/etc/passwd"}})
			return []string{filepath.Join(in, "a.zip")}
		}, []string{"a.zip", `"link"`, "symbolic link"}},
		{"tar slip", func(t *testing.T, in string) []string {
			makeTar(t, filepath.Join(in, "a.tar"), false, []member{{name: "ok.csv", body: "x"}, {name: "a/../../evil", body: "boom"}})
			return []string{filepath.Join(in, "a.tar")}
		}, []string{"a.tar", `"a/../../evil"`}},
		{"tar absolute", func(t *testing.T, in string) []string {
			makeTar(t, filepath.Join(in, "a.tar.gz"), true, []member{{name: outside, body: "boom"}})
			return []string{filepath.Join(in, "a.tar.gz")}
		}, []string{"a.tar.gz", outside, "absolute path"}},
		{"tar symlink", func(t *testing.T, in string) []string {
			makeTar(t, filepath.Join(in, "a.tar"), false, []member{{name: "link", kind: tar.TypeSymlink, link: "../../etc"}, {name: "link/evil", body: "boom"}})
			return []string{filepath.Join(in, "a.tar")}
		}, []string{"a.tar", `"link"`, "symbolic link"}},
		{"tar hardlink", func(t *testing.T, in string) []string {
			makeTar(t, filepath.Join(in, "a.tar"), false, []member{{name: "hard", kind: tar.TypeLink, link: "/etc/passwd"}})
			return []string{filepath.Join(in, "a.tar")}
		}, []string{"a.tar", `"hard"`, "hard link"}},
		{"tar device", func(t *testing.T, in string) []string {
			makeTar(t, filepath.Join(in, "a.tar"), false, []member{{name: "dev", kind: tar.TypeChar}})
			return []string{filepath.Join(in, "a.tar")}
		}, []string{"a.tar", `"dev"`, "device"}},
		{"symlink in directory", func(t *testing.T, in string) []string {
			writeFile(t, filepath.Join(in, "d", "ok.csv"), "x", fixedTime)
			if err := os.Symlink("/etc/passwd", filepath.Join(in, "d", "pw")); err != nil {
				t.Fatal(err)
			}
			return []string{filepath.Join(in, "d")}
		}, []string{filepath.Join("d", "pw"), "symbolic link"}},
		{"corrupt zip", func(t *testing.T, in string) []string {
			writeFile(t, filepath.Join(in, "a.zip"), "not a zip", fixedTime)
			return []string{filepath.Join(in, "a.zip")}
		}, []string{"a.zip", "not a valid zip"}},
		{"same path twice", func(t *testing.T, in string) []string {
			writeFile(t, filepath.Join(in, "d", "k.csv"), "1", fixedTime)
			makeZip(t, filepath.Join(in, "b.zip"), []member{{name: "k.csv", body: "2"}})
			return []string{filepath.Join(in, "d"), filepath.Join(in, "b.zip")}
		}, []string{`"k.csv"`, filepath.Join("d", "k.csv"), "b.zip"}},
		{"file and directory", func(t *testing.T, in string) []string {
			writeFile(t, filepath.Join(in, "files"), "1", fixedTime)
			makeZip(t, filepath.Join(in, "b.zip"), []member{{name: "files/x.pdf", body: "2"}})
			return []string{filepath.Join(in, "files"), filepath.Join(in, "b.zip")}
		}, []string{`"files"`, "b.zip"}},
		{"reserved manifest name", func(t *testing.T, in string) []string {
			writeFile(t, filepath.Join(in, "manifest.json"), "{}", fixedTime)
			return []string{filepath.Join(in, "manifest.json")}
		}, []string{"manifest.json", "reserved"}},
		{"empty delivery", func(t *testing.T, in string) []string {
			if err := os.MkdirAll(filepath.Join(in, "empty", "sub"), 0o755); err != nil {
				t.Fatal(err)
			}
			return []string{filepath.Join(in, "empty")}
		}, []string{"holds no files"}},
		{"missing path", func(t *testing.T, in string) []string {
			return []string{filepath.Join(in, "nope.csv")}
		}, []string{"nope.csv"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			in, root := filepath.Join(base, "in"), filepath.Join(base, "project", "extractions")
			if err := os.MkdirAll(in, 0o755); err != nil {
				t.Fatal(err)
			}
			_, err := NewStore(root).Receive(context.Background(), tt.prepare(t, in), "", received)
			if err == nil {
				t.Fatal("receive succeeded, want an error")
			}
			for _, want := range tt.errs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			if got := entries(t, root); len(got) != 0 {
				t.Errorf("store root holds %v after a refused receive", got)
			}
			if got := entries(t, filepath.Join(base, "project")); !reflect.DeepEqual(got, []string{"extractions"}) {
				t.Errorf("project dir holds %v", got)
			}
			if _, err := os.Lstat(outside); err == nil {
				t.Errorf("%s was written", outside)
			}
			for _, name := range []string{filepath.Join(base, "evil"), filepath.Join(base, "project", "evil")} {
				if _, err := os.Lstat(name); err == nil {
					t.Errorf("%s was written", name)
				}
			}
		})
	}
}

func randomHex(t *testing.T) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func TestNumberingAndLookup(t *testing.T) {
	in, root := t.TempDir(), filepath.Join(t.TempDir(), "extractions")
	s := NewStore(root)
	if _, err := s.Latest(); err == nil || err.Error() != "no extraction yet: run `handover receive PATH` first" {
		t.Errorf("Latest on an empty store: %v", err)
	}
	if xs, err := s.List(); err != nil || len(xs) != 0 {
		t.Errorf("List on an empty store: %v %v", xs, err)
	}
	for i := 1; i <= 3; i++ {
		writeFile(t, filepath.Join(in, "k.csv"), fmt.Sprint("delivery ", i), fixedTime)
		x, err := s.Receive(context.Background(), []string{filepath.Join(in, "k.csv")}, fmt.Sprint("L", i), received)
		if err != nil {
			t.Fatal(err)
		}
		if x.Number != i {
			t.Errorf("receive %d got number %d", i, x.Number)
		}
	}
	latest, err := s.Latest()
	if err != nil || latest.Number != 3 || latest.Label != "L3" {
		t.Fatalf("Latest = %+v, %v", latest, err)
	}
	xs, err := s.List()
	if err != nil || len(xs) != 3 || xs[0].Number != 1 || xs[2].Number != 3 {
		t.Fatalf("List = %v, %v", xs, err)
	}
	if xs[0].Files[0].SHA256 == xs[1].Files[0].SHA256 {
		t.Error("different deliveries share a hash")
	}
	if _, err := s.Get(7); err == nil || err.Error() != "extraction 7 does not exist (extractions: 1, 2, 3)" {
		t.Errorf("Get(7): %v", err)
	}
}

func TestConcurrentReceive(t *testing.T) {
	in, root := t.TempDir(), filepath.Join(t.TempDir(), "extractions")
	writeFile(t, filepath.Join(in, "k.csv"), "x", fixedTime)
	const n = 6
	s := NewStore(root)
	nums := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			x, err := NewStore(root).Receive(context.Background(), []string{filepath.Join(in, "k.csv")}, fmt.Sprint(i), received)
			errs[i] = err
			if err == nil {
				nums[i] = x.Number
			}
		})
	}
	wg.Wait()
	seen := map[int]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if seen[nums[i]] {
			t.Errorf("number %d given twice: %v", nums[i], nums)
		}
		seen[nums[i]] = true
		x, err := s.Get(nums[i])
		if err != nil || x.Label != fmt.Sprint(i) {
			t.Errorf("extraction %d: %+v %v, want label %d", nums[i], x, err, i)
		}
	}
	if xs, err := s.List(); err != nil || len(xs) != n || xs[n-1].Number != n {
		t.Errorf("List after concurrent receives: %d extractions, %v", len(xs), err)
	}
	if got := entries(t, root); len(got) != n {
		t.Errorf("store root holds %v, want %d numbered directories only", got, n)
	}
}

func TestManifestJSON(t *testing.T) {
	in, root := t.TempDir(), filepath.Join(t.TempDir(), "extractions")
	writeFile(t, filepath.Join(in, "d", "b.csv"), "bb", fixedTime)
	writeFile(t, filepath.Join(in, "d", "a", "z.csv"), "a", fixedTime)
	if _, err := NewStore(root).Receive(context.Background(), []string{filepath.Join(in, "d")}, "", received); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "1", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Number   int
		Received string
		Sources  []string
		Files    []map[string]any
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	if raw.Number != 1 || raw.Received != "2026-12-01T09:00:00Z" || !reflect.DeepEqual(raw.Sources, []string{"d"}) {
		t.Errorf("manifest header: %s", data)
	}
	wantFiles := []map[string]any{
		{"path": "a/z.csv", "size": 1.0, "sha256": sha("a"), "mtime": "2024-03-05T10:30:00Z"},
		{"path": "b.csv", "size": 2.0, "sha256": sha("bb"), "mtime": "2024-03-05T10:30:00Z"},
	}
	if !reflect.DeepEqual(raw.Files, wantFiles) {
		t.Errorf("manifest files = %v, want %v", raw.Files, wantFiles)
	}
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, dir string)
		want   []string
	}{
		{"intact", func(*testing.T, string) {}, nil},
		{"modified", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "k.csv")
			if err := os.Chmod(p, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte("ID;Name\n1;Mustermann\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, []string{"k.csv: size"}},
		{"same size", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "k.csv")
			if err := os.Chmod(p, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte("ID;Name\n2;Muster\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, []string{"k.csv: content changed"}},
		{"missing and extra", func(t *testing.T, dir string) {
			sub := filepath.Join(dir, "sub")
			if err := os.Chmod(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(filepath.Join(sub, "x.pdf")); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(sub, "new.pdf"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}, []string{"sub/new.pdf: not in the manifest", "sub/x.pdf: missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, root := t.TempDir(), filepath.Join(t.TempDir(), "extractions")
			writeFile(t, filepath.Join(in, "d", "k.csv"), "ID;Name\n1;Muster\n", fixedTime)
			writeFile(t, filepath.Join(in, "d", "sub", "x.pdf"), "pdf", fixedTime)
			x, err := NewStore(root).Receive(context.Background(), []string{filepath.Join(in, "d")}, "", received)
			if err != nil {
				t.Fatal(err)
			}
			tt.tamper(t, x.Dir)
			diffs, err := x.Verify(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(diffs) != len(tt.want) {
				t.Fatalf("Verify = %q, want %q", diffs, tt.want)
			}
			for i := range diffs {
				if !strings.HasPrefix(diffs[i], tt.want[i]) {
					t.Errorf("difference %d = %q, want prefix %q", i, diffs[i], tt.want[i])
				}
			}
		})
	}
}

func TestLookup(t *testing.T) {
	var files []File
	for i := range 25 {
		files = append(files, File{Path: fmt.Sprintf("f%02d.csv", i)})
	}
	files = append(files, File{Path: "sub/Kontakte.csv"})
	x := &Extraction{Manifest: Manifest{Number: 2, Files: files}, Dir: "/x/2"}
	tests := []struct {
		name, want, err string
	}{
		{"sub/Kontakte.csv", "sub/Kontakte.csv", ""},
		{"./sub//Kontakte.csv", "sub/Kontakte.csv", ""},
		{"sub/kontakte.csv", "", `did you mean "sub/Kontakte.csv"`},
		{"nope.csv", "", `extraction 2 has no file "nope.csv" (files: f00.csv, f01.csv,`},
		{"nope.csv", "", "f19.csv, … and 6 more)"},
		{"../1/k.csv", "", "not a path inside the extraction"},
		{"/etc/passwd", "", "not a path inside the extraction"},
		{"", "", "not a path inside the extraction"},
	}
	for _, tt := range tests {
		got, err := x.Lookup(tt.name)
		if tt.err == "" {
			if err != nil || got.Path != tt.want {
				t.Errorf("Lookup(%q) = %q, %v; want %q", tt.name, got.Path, err, tt.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("Lookup(%q) error = %v, want it to contain %q", tt.name, err, tt.err)
		}
	}
}

func TestMemberPath(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"a/b.csv", "a/b.csv", ""},
		{"./a//b.csv", "a/b.csv", ""},
		{`dir\file.csv`, "dir/file.csv", ""},
		{"./", "", ""},
		{"a/../b.csv", "", `".."`},
		{"..", "", `".."`},
		{"/etc/passwd", "", "absolute"},
		{`C:\windows\x`, "", "absolute"},
		{"a\x00b", "", "NUL"},
	}
	for _, tt := range tests {
		got, err := MemberPath(tt.in)
		if got != tt.want || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("MemberPath(%q) = %q, %v; want %q, error containing %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestReceiveSkipsOwnStore(t *testing.T) {
	project := t.TempDir()
	writeFile(t, filepath.Join(project, "k.csv"), "x", fixedTime)
	s := NewStore(filepath.Join(project, ".handover", "extractions"))
	for i := 1; i <= 2; i++ {
		x, err := s.Receive(context.Background(), []string{project}, "", received)
		if err != nil {
			t.Fatal(err)
		}
		if len(x.Files) != 1 || x.Files[0].Path != "k.csv" {
			t.Errorf("receive %d of the project dir stored %+v, want only k.csv", i, x.Files)
		}
	}
}

func TestReceiveCancelled(t *testing.T) {
	in, root := t.TempDir(), filepath.Join(t.TempDir(), "extractions")
	writeFile(t, filepath.Join(in, "k.csv"), "x", fixedTime)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := NewStore(root).Receive(ctx, []string{filepath.Join(in, "k.csv")}, "", received); err == nil {
		t.Fatal("receive with a cancelled context succeeded")
	}
	if got := entries(t, root); len(got) != 0 {
		t.Errorf("store root holds %v", got)
	}
}

func TestReceiveSweepsStaleStaging(t *testing.T) {
	in, root := t.TempDir(), filepath.Join(t.TempDir(), "extractions")
	writeFile(t, filepath.Join(in, "k.csv"), "x", fixedTime)
	old, fresh := filepath.Join(root, ".receiving-old"), filepath.Join(root, ".receiving-fresh")
	for _, d := range []string{old, fresh} {
		writeFile(t, filepath.Join(d, "sub", "half.csv"), "x", fixedTime)
		if err := os.Chmod(filepath.Join(d, "sub"), 0o555); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	if err := os.Chtimes(old, now.Add(-25*time.Hour), now.Add(-25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(fresh, now.Add(-time.Hour), now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := NewStore(root).Receive(context.Background(), []string{filepath.Join(in, "k.csv")}, "", received); err != nil {
		t.Fatal(err)
	}
	if got := entries(t, root); !reflect.DeepEqual(got, []string{".receiving-fresh", "1"}) {
		t.Errorf("store root holds %v, want the fresh staging directory and 1", got)
	}
}

func TestReceiveLinkedDirectory(t *testing.T) {
	in, root := t.TempDir(), filepath.Join(t.TempDir(), "extractions")
	writeFile(t, filepath.Join(in, "real", "k.csv"), "x", fixedTime)
	if err := os.Symlink(filepath.Join(in, "real"), filepath.Join(in, "link")); err != nil {
		t.Fatal(err)
	}
	x, err := NewStore(root).Receive(context.Background(), []string{filepath.Join(in, "link")}, "", received)
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Files) != 1 || x.Files[0].Path != "k.csv" || !reflect.DeepEqual(x.Sources, []string{"link"}) {
		t.Errorf("got files %+v sources %v", x.Files, x.Sources)
	}
}
