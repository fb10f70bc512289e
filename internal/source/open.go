package source

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// sampleSize is how much of a file is looked at to detect its kind,
// encoding and delimiter.
const sampleSize = 64 << 10

// kind is the file format a reader handles.
type kind int

const (
	kindCSV kind = iota
	kindXLSX
	kindJSONL
	kindDump
)

// Open opens the file at path for streaming. The format follows the
// extension (case-insensitive): .csv .txt .tsv .tab are CSV, .xlsx .xlsm
// are Excel workbooks, .jsonl .ndjson are JSON Lines; any other file is
// sniffed. With Options.Widths the file is fixed-width. A path with glob
// characters (* ? [) opens every matching file as one source (see
// OpenFiles). Errors name path as given.
func Open(ctx context.Context, path string, opts Options) (Reader, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if IsPattern(path) {
		files, err := Glob(path)
		if err != nil {
			return nil, err
		}
		return OpenFiles(ctx, files, opts)
	}
	return openOne(ctx, localInput(ctx, path), opts)
}

// OpenFile opens one file through its opener (see File): an object of a
// store, read as a stream. Errors name the file by f.Name.
func OpenFile(ctx context.Context, f File, opts Options) (Reader, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open %s: %w", f.Name, err)
	}
	return openOne(ctx, f.input(ctx), opts)
}

// openOne opens one file, whatever its name.
func openOne(ctx context.Context, src input, opts Options) (Reader, error) {
	path := src.name
	if err := opts.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(opts.Widths) > 0 {
		raw, err := openFixed(src, opts)
		if err != nil {
			return nil, err
		}
		return frame(ctx, raw, path, opts, false)
	}
	k, err := detectKind(src)
	if err != nil {
		return nil, err
	}
	switch k {
	case kindXLSX:
		raw, err := openXLSX(src, opts)
		if err != nil {
			return nil, err
		}
		return frame(ctx, raw, path, opts, true)
	case kindDump:
		d, _, err := sniffDump(src)
		if err != nil {
			return nil, err
		}
		return openDump(ctx, src, opts, d)
	case kindJSONL:
		if opts.layout() {
			return nil, fmt.Errorf("%s: a JSON Lines file names its columns in every object: header, columns, widths, skip_rows, header_row and footer_rows do not apply", path)
		}
		return openJSONL(src, opts)
	default:
		raw, err := openCSV(src, opts)
		if err != nil {
			return nil, err
		}
		return frame(ctx, raw, path, opts, false)
	}
}

// detectKind decides the format from the extension, or by sniffing the
// first bytes of the file.
func detectKind(src input) (kind, error) {
	path := src.name
	name := strings.TrimSuffix(strings.ToLower(path), ".gz")
	switch filepath.Ext(name) {
	case ".csv", ".txt", ".tsv", ".tab":
		return kindCSV, nil
	case ".xlsx", ".xlsm":
		return kindXLSX, nil
	case ".jsonl", ".ndjson":
		return kindJSONL, nil
	case ".sql":
		return kindDump, nil
	}
	f, _, err := src.openFile()
	if err != nil {
		return 0, err
	}
	defer f.Close()
	head := make([]byte, sampleSize)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("read %s: %w", path, err)
	}
	return sniffKind(head[:n]), nil
}

// sniffKind tells a ZIP archive (xlsx) and a JSON object on the first line
// (JSON Lines) from anything else (CSV).
func sniffKind(head []byte) kind {
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return kindXLSX
	}
	if _, ok := dumpDialect(head); ok {
		return kindDump
	}
	head = bytes.TrimPrefix(head, bomUTF8)
	line, _, _ := bytes.Cut(head, []byte("\n"))
	line = bytes.TrimSpace(line)
	if len(line) > 1 && line[0] == '{' && json.Valid(line) {
		return kindJSONL
	}
	return kindCSV
}

// Opener opens one file for reading: its content, read as a stream, and
// its size. A workbook (xlsx) is read at random: its opener must return
// an io.ReaderAt as well (a local file, an object of a store).
type Opener func(ctx context.Context) (io.ReadCloser, int64, error)

// input is a file a reader opens (once or, to sniff its kind, a few
// times): name is what messages call it.
type input struct {
	ctx  context.Context
	name string
	open Opener
}

// localInput is the local file at path.
func localInput(ctx context.Context, path string) input {
	return input{ctx: ctx, name: path, open: func(context.Context) (io.ReadCloser, int64, error) { return openLocal(path) }}
}

// openLocal opens a local file and returns its size.
func openLocal(path string) (io.ReadCloser, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if st.IsDir() {
		f.Close()
		return nil, 0, &fileError{op: "open " + path, msg: "is a directory", err: fs.ErrInvalid}
	}
	return f, st.Size(), nil
}

// openFile opens the input for reading and returns its size, with errors
// a person understands.
func (src input) openFile() (io.ReadCloser, int64, error) {
	path := src.name
	f, size, err := src.open(src.ctx)
	if err != nil {
		var fe *fileError
		var pe *fs.PathError
		switch {
		case errors.As(err, &fe):
			return nil, 0, err
		case errors.Is(err, fs.ErrNotExist):
			return nil, 0, &fileError{op: "open " + path, msg: "no such file", err: err}
		case errors.As(err, &pe):
			return nil, 0, err // names the file already
		}
		return nil, 0, fmt.Errorf("open %s: %w", path, err)
	}
	if size == 0 {
		f.Close()
		return nil, 0, &fileError{op: path, msg: "file is empty", err: ErrEmpty}
	}
	return f, size, nil
}

// oleMagic starts the old binary Office formats (.xls).
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// ErrEmpty is wrapped by the error for a file without any content (or
// with only a byte-order mark or blank lines).
var ErrEmpty = errors.New("file is empty")

// fileError is an error with a short message of its own that still
// unwraps to the underlying cause.
type fileError struct {
	op, msg string
	err     error
}

func (e *fileError) Error() string { return e.op + ": " + e.msg }
func (e *fileError) Unwrap() error { return e.err }

// countingReader counts the bytes read from the underlying file.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// textInput is an opened text file: the decoded UTF-8 stream and what it
// was decoded from.
type textInput struct {
	path    string
	file    io.ReadCloser
	count   *countingReader
	size    int64
	r       io.Reader // UTF-8 text, without byte-order mark
	encName func() string
	// settled reports whether the encoding is known for good (false while
	// detection has seen only ASCII).
	settled func() bool
}

// openText opens a text file, detects or applies its encoding and refuses
// binary data.
func openText(src input, opts Options) (*textInput, error) {
	path := src.name
	enc, err := parseEncoding(opts.Encoding)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f, size, err := src.openFile()
	if err != nil {
		return nil, err
	}
	in := &textInput{path: path, file: f, count: &countingReader{r: f}, size: size}
	br := bufio.NewReaderSize(in.count, sampleSize)
	if br, err = gunzip(path, br); err != nil {
		f.Close()
		return nil, err
	}
	sample, err := br.Peek(sampleSize)
	if err != nil && !errors.Is(err, io.EOF) {
		f.Close()
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	enc, bom := detectEncoding(sample, enc)
	if bom > 0 {
		br.Discard(bom)
		sample = sample[bom:]
	}
	if len(sample) == 0 {
		f.Close()
		return nil, &fileError{op: path, msg: "file is empty", err: ErrEmpty}
	}
	if hasPrefix(sample, oleMagic) {
		f.Close()
		return nil, fmt.Errorf("%s: an old Excel (.xls) workbook: save it as .xlsx or CSV", path)
	}
	if msg := packedFormat(sample); msg != "" {
		f.Close()
		return nil, fmt.Errorf("%s: %s", path, msg)
	}
	if enc != encUTF16LE && enc != encUTF16BE {
		if i := bytes.IndexByte(sample, 0); i >= 0 {
			f.Close()
			return nil, fmt.Errorf("%s: looks like binary data, not text (NUL bytes at offset %d)", path, i+bom)
		}
	}
	in.r, in.encName, in.settled = newDecoder(br, enc)
	return in, nil
}

// progress reports the bytes read from the file and its size.
func (in *textInput) progress() (int64, int64) { return in.count.n, in.size }

// sniffDump tells whether the file is a SQL dump, and of which dialect.
func sniffDump(src input) (dialect, bool, error) {
	path := src.name
	k, err := detectKind(src)
	if err != nil || k != kindDump {
		return 0, false, err
	}
	f, _, err := src.openFile()
	if err != nil {
		return 0, false, err
	}
	defer f.Close()
	br, err := gunzip(path, bufio.NewReaderSize(f, sampleSize))
	if err != nil {
		return 0, false, err
	}
	head, err := br.Peek(sampleSize)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, false, fmt.Errorf("read %s: %w", path, err)
	}
	d, _ := dumpDialect(head)
	return d, true, nil
}

// dumpDialect recognises a dump by the comment its tool writes at the top;
// without one, backquoted names say MySQL.
func dumpDialect(head []byte) (dialect, bool) {
	switch {
	case bytes.Contains(head, []byte("-- PostgreSQL database dump")):
		return dialectPostgres, true
	case bytes.Contains(head, []byte("-- MySQL dump")), bytes.Contains(head, []byte("-- MariaDB dump")):
		return dialectMySQL, true
	case bytes.Contains(head, []byte("`")):
		return dialectMySQL, false
	}
	return dialectPostgres, false
}

// packedFormat names the compressed and binary dump formats that are no
// text, with what to do about them; "" for anything else.
func packedFormat(head []byte) string {
	switch {
	case hasPrefix(head, []byte("PGDMP")):
		return "a pg_dump archive in custom format: turn it into a plain dump (pg_restore -f dump.sql FILE) or dump with -Fp"
	case hasPrefix(head, []byte("BZh")), hasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0}), hasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return "a compressed file (bzip2, xz or zstd): unpack it first"
	}
	return ""
}

// gunzip returns a reader of the uncompressed text when br starts a gzip
// stream (dump.sql.gz, export.csv.gz), br itself otherwise. Progress stays
// measured on the compressed bytes of the file.
func gunzip(path string, br *bufio.Reader) (*bufio.Reader, error) {
	head, _ := br.Peek(2)
	if !hasPrefix(head, []byte{0x1f, 0x8b}) {
		return br, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable gzip file: %w", path, err)
	}
	return bufio.NewReaderSize(&gzipText{path: path, zr: zr}, sampleSize), nil
}

// gzipText names the file in the errors of a damaged gzip stream; a
// stream cut off is a truncated file.
type gzipText struct {
	path string
	zr   *gzip.Reader
}

func (g *gzipText) Read(p []byte) (int, error) {
	n, err := g.zr.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return n, fmt.Errorf("%s: the gzip file ends early: it is truncated", g.path)
		}
		return n, fmt.Errorf("%s: %w", g.path, err)
	}
	return n, err
}
