package mysql

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"

	driver "github.com/go-sql-driver/mysql"

	"github.com/handover/handover/internal/load/internal/core"
)

// New rows go to the server with LOAD DATA LOCAL INFILE, a chunk of
// loadRows rows at a time, streamed from memory as tab-separated text (the
// bench showed it faster than multi-row INSERT); servers that refuse
// LOCAL INFILE (local_infile=OFF) get the INSERT statements.
const loadRows = 20_000

// tsv is rows being written as LOAD DATA's default text format: fields
// separated by tabs, lines by \n, \N for null, \ escaping.
type tsv struct {
	buf  bytes.Buffer
	rows int
}

var tsvEscaper = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`, "\x00", `\0`)

// field appends one value: nil, int64, bool, string or []byte (as hex).
func (t *tsv) field(first bool, v any) {
	if !first {
		t.buf.WriteByte('\t')
	}
	switch v := v.(type) {
	case nil:
		t.buf.WriteString(`\N`)
	case int64:
		t.buf.WriteString(strconv.FormatInt(v, 10))
	case bool:
		if v {
			t.buf.WriteByte('1')
		} else {
			t.buf.WriteByte('0')
		}
	case []byte:
		t.buf.WriteString(hex.EncodeToString(v))
	case string:
		tsvEscaper.WriteString(&t.buf, v)
	default: // values() returns only the types above
		tsvEscaper.WriteString(&t.buf, fmt.Sprint(v))
	}
}

// row appends a row of values.
func (t *tsv) row(vals []any) {
	for i, v := range vals {
		t.field(i == 0, v)
	}
	t.buf.WriteByte('\n')
	t.rows++
}

func (t *tsv) reset() { t.buf.Reset(); t.rows = 0 }

// loadData sends rows to table's columns with LOAD DATA LOCAL INFILE
// through a reader handler registered under a name of its own for this
// statement, and checks that every row arrived as it was: with LOCAL the
// server turns bad values and duplicate keys into warnings.
func (x *tx) loadData(ctx context.Context, table string, cols []string, set string, rows *tsv) error {
	name := "handover-" + rand.Text()
	data := bytes.NewReader(rows.buf.Bytes())
	driver.RegisterReaderHandler(name, func() io.Reader { return data })
	defer driver.DeregisterReaderHandler(name)
	q := "LOAD DATA LOCAL INFILE 'Reader::" + name + "' INTO TABLE " + quote(table) +
		" CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (" + strings.Join(cols, ", ") + ")" + set
	res, err := x.conn.ExecContext(ctx, q)
	if err != nil {
		return x.t.fail("load data into "+table, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return x.t.fail("load data into "+table, err)
	}
	warnings, err := x.warnings(ctx)
	switch {
	case err != nil:
		return x.t.fail("load data into "+table, err)
	case warnings != "":
		return fmt.Errorf("load data into %s: a value does not fit: %s", table, warnings)
	case n != int64(rows.rows):
		return fmt.Errorf("load data into %s: %d of %d rows arrived", table, n, rows.rows)
	}
	return nil
}

// warnings returns the first warnings of the last statement, "" when it
// had none.
func (x *tx) warnings(ctx context.Context) (string, error) {
	rows, err := x.conn.QueryContext(ctx, "SHOW WARNINGS LIMIT 3")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var level, msg string
		var code int
		if err := rows.Scan(&level, &code, &msg); err != nil {
			return "", err
		}
		out = append(out, fmt.Sprintf("%s %d: %s", level, code, msg))
	}
	return strings.Join(out, "; "), rows.Err()
}

// localInfile reports whether the server accepts LOAD DATA LOCAL INFILE.
func (x *tx) localInfile(ctx context.Context) (bool, error) {
	if x.infile == nil {
		on := false
		if x.t.inserts {
			x.infile = &on
			return false, nil
		}
		if err := x.conn.QueryRowContext(ctx, "SELECT @@local_infile").Scan(&on); err != nil {
			return false, x.t.fail("read local_infile", err)
		}
		x.infile = &on
	}
	return *x.infile, nil
}

// bookColumns are the columns of handover_rows as LOAD DATA fills them:
// the fingerprint comes as hex.
var bookColumns = []string{"entity", "`key`", "@fp", "target_id"}

const bookSet = " SET fingerprint = UNHEX(@fp)"

// flushLoad sends the buffered new rows and their bookkeeping on a
// goroutine, so that the server loads one chunk while the next is being
// sorted; the writer's other statements wait for it (wait).
func (w *writer) flushLoad(ctx context.Context) error {
	if w.rows.rows == 0 {
		return nil
	}
	if err := w.wait(); err != nil {
		return err
	}
	cols := []string{quote(core.IDColumn)}
	for _, c := range w.p.Columns {
		cols = append(cols, quote(c))
	}
	rows, book := w.rows, w.book
	w.rows, w.book = w.spare[0], w.spare[1]
	done := make(chan error, 1)
	w.inflight = done
	go func() {
		err := w.x.loadData(ctx, w.p.Table, cols, "", &rows)
		if err == nil {
			err = w.x.loadData(ctx, "handover_rows", bookColumns, bookSet, &book)
		}
		rows.reset()
		book.reset()
		w.spare = [2]tsv{rows, book}
		done <- err
	}()
	return nil
}

// wait waits for the chunk in flight, if any, and returns its error.
func (w *writer) wait() error {
	if w.inflight == nil {
		return nil
	}
	err := <-w.inflight
	w.inflight = nil
	return err
}
