package files

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestDirStoreConcurrentPutOfOneObject: two processes (two workers archiving
// the same input) putting the same object at once both succeed, and no
// temporary file is left behind.
func TestDirStoreConcurrentPutOfOneObject(t *testing.T) {
	s := newDirStore(t)
	data := []byte("the same recipe, archived by every run")
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			errs <- s.Put(context.Background(), "archive/x", bytes.NewReader(data), int64(len(data)), sum(data))
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent put: %v", err)
		}
	}
	if got := read(t, s, "archive/x"); !bytes.Equal(got, data) {
		t.Errorf("content = %q", got)
	}
	err := filepath.Walk(s.root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && strings.Contains(fi.Name(), tmpPrefix) {
			t.Errorf("temporary file left: %s", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
