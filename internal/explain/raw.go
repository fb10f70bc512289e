package explain

import (
	"bufio"
	"bytes"
	"context"
	"strings"

	"golang.org/x/text/encoding/htmlindex"

	"github.com/handover/handover/internal/extract"
)

// maxRaw bounds the raw text shown for one row.
const maxRaw = 4096

// rawLines returns the text of the given line of a text source file,
// decoded from its encoding; "" for files without lines (xlsx) or when the
// file cannot be read.
func rawLines(ctx context.Context, x *extract.Extraction, name, enc string, line int) string {
	if enc == "" || strings.HasPrefix(enc, "utf-16") || strings.HasSuffix(strings.ToLower(name), ".xlsx") {
		return ""
	}
	file, err := x.Lookup(name)
	if err != nil {
		return ""
	}
	f, err := x.OpenFile(ctx, file.Path)
	if err != nil {
		return ""
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var raw []byte
	for n := 1; n <= line; n++ {
		b, err := br.ReadSlice('\n')
		for err == bufio.ErrBufferFull { // a very long line: skip (or keep the start of) the rest
			if n == line && len(raw) < maxRaw {
				raw = append(raw, b...)
			}
			b, err = br.ReadSlice('\n')
		}
		if n == line {
			raw = append(raw, b...)
		}
		if err != nil {
			break
		}
	}
	raw = bytes.TrimRight(raw, "\r\n")
	if len(raw) > maxRaw {
		raw = raw[:maxRaw]
	}
	if e, err := htmlindex.Get(enc); err == nil && !strings.EqualFold(enc, "utf-8") {
		if out, err := e.NewDecoder().Bytes(raw); err == nil {
			raw = out
		}
	}
	return strings.ToValidUTF8(string(bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))), "\uFFFD")
}
