package extract

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// noise returns n bytes that do not compress.
func noise(n int) string {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return string(b)
}

// TestReceiveRefusesBombs: archives that unpack to far more than they
// weigh, or to more than --max-size, are refused while streaming, with a
// clear message and nothing left behind.
func TestReceiveRefusesBombs(t *testing.T) {
	zeros := strings.Repeat("\x00", 64<<20) // 64 MiB that deflate to about 64 KiB
	tests := []struct {
		name    string
		maxSize int64
		build   func(t *testing.T, path string)
		archive string
		errs    []string
	}{
		{"zip bomb", 0, func(t *testing.T, p string) {
			makeZip(t, p, []member{{name: "ok.csv", body: "a;b\n1;2\n"}, {name: "bomb.csv", body: zeros}})
		}, "a.zip", []string{"a.zip", `"bomb.csv"`, "zip bomb"}},
		{"tar.gz bomb", 0, func(t *testing.T, p string) {
			makeTar(t, p, true, []member{{name: "bomb.csv", body: zeros}})
		}, "a.tar.gz", []string{"a.tar.gz", `"bomb.csv"`, "20×", "zip bomb"}},
		{"zip total over max-size", 1 << 20, func(t *testing.T, p string) {
			makeZip(t, p, []member{{name: "a.csv", body: noise(600 << 10)}, {name: "b.csv", body: noise(600 << 10)}})
		}, "a.zip", []string{"a.zip", `"b.csv"`, "--max-size", "1.0 MiB"}},
		{"zip member over max-size", 1 << 20, func(t *testing.T, p string) {
			makeZip(t, p, []member{{name: "big.csv", body: noise(1500 << 10)}})
		}, "a.zip", []string{"a.zip", `"big.csv"`, "--max-size"}},
		{"tar over max-size", 1 << 20, func(t *testing.T, p string) {
			makeTar(t, p, false, []member{{name: "big.csv", body: noise(1500 << 10)}})
		}, "a.tar", []string{"a.tar", `"big.csv"`, "--max-size"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			archive := filepath.Join(base, tt.archive)
			tt.build(t, archive)
			root := filepath.Join(base, "project", "extractions")
			s := NewStore(root).WithLimits(Limits{MaxSize: tt.maxSize})
			_, err := s.Receive(context.Background(), []string{archive}, "", fixedTime)
			if err == nil {
				t.Fatal("received")
			}
			for _, want := range tt.errs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			if got := entries(t, root); len(got) != 0 {
				t.Errorf("store root holds %v after a refused receive", got)
			}
		})
	}
}

// TestReceiveSmallCompressibleArchive: a small archive of very compressible
// text is no bomb: the ratio only counts past a floor.
func TestReceiveSmallCompressibleArchive(t *testing.T) {
	base := t.TempDir()
	archive := filepath.Join(base, "a.zip")
	makeZip(t, archive, []member{{name: "k.csv", body: "a;b\n" + strings.Repeat("1;2\n", 250_000)}})
	x, err := NewStore(filepath.Join(base, "x")).Receive(context.Background(), []string{archive}, "", fixedTime)
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Files) != 1 || x.Files[0].Size != 1_000_004 {
		t.Errorf("files %+v", x.Files)
	}
}

// TestReceiveErrorSaysReceiveOnce: the callers say "receive:"; the store's
// errors do not say it again.
func TestReceiveErrorSaysReceiveOnce(t *testing.T) {
	_, err := NewStore(t.TempDir()).Receive(context.Background(), []string{filepath.Join(t.TempDir(), "missing.zip")}, "", fixedTime)
	if err == nil || strings.HasPrefix(err.Error(), "receive") {
		t.Errorf("err = %v, want one that leaves \"receive:\" to the caller", err)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1048576": 1 << 20, "500MB": 500e6, "16GiB": 16 << 30, "1.5 gib": 3 << 29, "2k": 2048} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v, want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "x", "-1GB", "0"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
}

// TestReceiveOldStyleTarMember: a member with the old type flag '\x00'
// (TypeRegA) is a regular file.
func TestReceiveOldStyleTarMember(t *testing.T) {
	base := t.TempDir()
	archive := filepath.Join(base, "a.tar")
	makeTar(t, archive, false, []member{{name: "k.csv", body: "a;b\n"}})
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(data, []byte("k.csv"))
	data[i+156] = 0 // the type flag of the first header
	sum := 0
	for j := range 512 {
		if j >= 148 && j < 156 {
			sum += ' '
		} else {
			sum += int(data[i+j])
		}
	}
	copy(data[i+148:], fmt.Sprintf("%06o\x00 ", sum))
	os.WriteFile(archive, data, 0o644)
	x, err := NewStore(filepath.Join(base, "x")).Receive(context.Background(), []string{archive}, "", fixedTime)
	if err != nil || len(x.Files) != 1 || x.Files[0].Path != "k.csv" {
		t.Fatalf("receive: %v %+v", err, x)
	}
}
