package postgres

import (
	"errors"
	"testing"
	"time"
)

// TestCopyStreamCloseWaitsForRead: pgconn may return from CopyFrom while
// its goroutine is still in Read (the server failed mid-COPY); close must
// wait for that Read to finish, and no row may be encoded after it — the
// loader frees what next uses once copyIn returns.
func TestCopyStreamCloseWaitsForRead(t *testing.T) {
	inNext, release := make(chan struct{}), make(chan struct{})
	calls := 0
	c := &copyStream{next: func(buf []byte) ([]byte, bool, error) {
		calls++
		if calls == 1 {
			close(inNext)
			<-release
		}
		return append(buf, "row"...), true, nil
	}}
	readDone := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 1<<16))
		readDone <- err
	}()
	<-inNext
	closed := make(chan struct{})
	go func() {
		c.close()
		close(closed)
	}()
	select {
	case <-closed:
		t.Fatal("close returned while a Read was still encoding rows")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-readDone; err != nil {
		t.Fatalf("the Read in progress failed: %v", err)
	}
	<-closed
	n := calls
	if _, err := c.Read(make([]byte, 16)); !errors.Is(err, errCopyClosed) {
		t.Fatalf("Read after close: %v, want errCopyClosed", err)
	}
	if calls != n {
		t.Fatalf("next ran %d more times after close", calls-n)
	}
}
