package files

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// TestVerify alters the destination behind the store's back: a file
// rewritten with content of the same size, one replaced by other content
// of another size, one removed, one added.
func TestVerify(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) Store) {
		ctx := context.Background()
		root, files := extraction(t, firstDelivery)
		dst := newStore(t)
		syncAll(t, files, root, dst, ApplyOptions{})
		if v, err := Verify(ctx, files, dst, VerifyOptions{}); err != nil || !v.OK() || v.Matching.Files != 6 {
			t.Fatalf("verify after sync = %+v, %v", v, err)
		}

		sneakyPut(t, dst, "a/vertrag.pdf", []byte("contract XX"), sum([]byte("contract v1"))) // same size, old metadata
		sneakyPut(t, dst, "b/foto.jpg", []byte("other photo bytes"), sum([]byte("photo bytes")))
		if err := dst.Remove(ctx, "b/c/notiz.txt"); err != nil {
			t.Fatal(err)
		}
		put(t, dst, "stray.bin", []byte("stray"))

		deep, err := Verify(ctx, files, dst, VerifyOptions{Deep: true})
		if err != nil {
			t.Fatal(err)
		}
		if deep.OK() || !slices.Equal(deep.Missing, []string{"b/c/notiz.txt"}) || !slices.Equal(deep.Extra, []string{"stray.bin"}) || deep.Matching.Files != 3 {
			t.Errorf("deep verify = %+v", deep)
		}
		if got := differing(deep); !slices.Equal(got, []string{"a/vertrag.pdf", "b/foto.jpg"}) {
			t.Errorf("deep verify differing = %v, want both altered files", got)
		}
		if d := deep.Differing[0]; d.DstSHA256 != sum([]byte("contract XX")) {
			t.Errorf("deep verify reports the destination's sha256 %s, want the downloaded content's", d.DstSHA256)
		}

		// A new process, reading the hash index the sync left, tells
		// the copied metadata from the real thing without downloading.
		quick, err := Verify(ctx, files, reopen(t, dst), VerifyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"a/vertrag.pdf", "b/foto.jpg"}
		if got := differing(quick); !slices.Equal(got, want) || quick.OK() {
			t.Errorf("verify differing = %v, want %v", got, want)
		}
	})
}

// reopen returns a fresh store on the same destination, as the next run
// would open it.
func reopen(t *testing.T, s Store) Store {
	switch s := s.(type) {
	case *DirStore:
		return s
	case *S3Store:
		r := &S3Store{client: s.client, bucket: s.bucket, prefix: s.prefix, endpoint: s.endpoint, secrets: s.secrets, partSize: s.partSize}
		r.UseIndex(s.index.file) // the index the sync left in handover's state
		return r
	}
	t.Fatalf("reopen: unknown store %T", s)
	return nil
}

func differing(v *VerifyResult) []string {
	var out []string
	for _, d := range v.Differing {
		out = append(out, d.Path)
	}
	return out
}

// sneakyPut replaces an object's content the way another tool would,
// leaving (dir) or copying (S3) the hash metadata of the old content.
func sneakyPut(t *testing.T, s Store, p string, data []byte, oldSum string) {
	t.Helper()
	switch s := s.(type) {
	case *DirStore:
		time.Sleep(10 * time.Millisecond) // a visibly later modification time
		if err := os.WriteFile(filepath.Join(s.root, filepath.FromSlash(p)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	case *S3Store:
		_, err := s.client.PutObject(context.Background(), s.bucket, s.key(p), bytes.NewReader(data), int64(len(data)),
			minio.PutObjectOptions{UserMetadata: map[string]string{metaSHA256: oldSum}})
		if err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("sneakyPut: unknown store %T", s)
	}
}

// TestS3ServerChecksumOutranksMetadata: content replaced by a client that
// sends a SHA-256 checksum is caught without downloading, since the
// server's checksum no longer matches the metadata.
func TestS3ServerChecksumOutranksMetadata(t *testing.T) {
	s := newS3Store(t)
	put(t, s, "x.pdf", []byte("original"))
	raw := sha256.Sum256([]byte("replaced"))
	_, err := s.client.PutObject(context.Background(), s.bucket, s.key("x.pdf"), bytes.NewReader([]byte("replaced")), 8,
		minio.PutObjectOptions{DisableContentSha256: true, UserMetadata: map[string]string{
			metaSHA256:     sum([]byte("original")),
			checksumHeader: base64.StdEncoding.EncodeToString(raw[:]),
		}})
	if err != nil {
		t.Fatal(err)
	}
	o, err := s.Stat(context.Background(), "x.pdf")
	if err != nil || o.SHA256 != "" {
		t.Errorf("Stat of replaced content = %+v, %v; want an unknown sha256", o, err)
	}
}
