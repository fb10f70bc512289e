package load

import (
	"context"
	"strconv"
	"testing"
	"time"
)

type saltEvery struct {
	rows Batches
	salt string
}

func (c saltEvery) Next(ctx context.Context) ([]Record, error) {
	b, err := c.rows.Next(ctx)
	for i := range b {
		if b[i].Line%100 == 0 {
			b[i].Values[1] += c.salt
		}
	}
	return b, err
}

func TestProbeDelta(t *testing.T) {
	f := benchFormat()
	dsn := "postgres://postgres@127.0.0.1:5432/zz_delta_probe?sslmode=disable"
	salt := strconv.FormatInt(time.Now().UnixNano(), 36)
	t0 := time.Now()
	r := benchSweepImport(t, dsn, f, saltEvery{genContacts(1000000), salt}, false)
	t.Logf("delta %v %+v", time.Since(t0), r)
}
