package app

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/handover/handover/internal/extract"
)

// Zip bomb bounds: a member may unpack to at most memberRatio times its
// compressed size, unless it stays under ratioFloor (small, very
// compressible text is no bomb).
const (
	memberRatio = 100
	ratioFloor  = 16 << 20
)

// stagedFile is one file of a delivery, staged under a generated name.
type stagedFile struct {
	name  string // its path in the extraction: the client's name, checked
	from  string // what it came from, for messages
	local string // the staged file (up.Path of its generated name), for readers that open by path
	size  int64
	sha   string // hex SHA-256, measured while staged
	// records and lines count its non-blank CSV records (a line break in
	// double quotes does not end one) and text lines, counted while staged.
	records, lines int64
}

// stager writes a delivery's files into the extraction store's staging
// directory (extract.Upload, an os.Root): generated names only, nothing
// outside it; each file is hashed and counted as it streams to disk.
type stager struct {
	ctx    context.Context
	up     *extract.Upload
	limits DeliveryLimits
	used   int64 // bytes of the delivery so far (unzipped)
	seq    int
	files  []stagedFile
	names  map[string]bool
}

// stageUpload stages every part of the delivery in up. On an error the
// caller's up.Close leaves nothing behind.
func stageUpload(ctx context.Context, up *extract.Upload, parts Parts, limits DeliveryLimits) ([]stagedFile, error) {
	g := &stager{ctx: ctx, up: up, limits: limits, names: map[string]bool{}}
	if err := g.addParts(parts); err != nil {
		return nil, err
	}
	if len(g.files) == 0 {
		return nil, invalid("the delivery holds no file: upload at least one file or a .zip")
	}
	return g.files, nil
}

// uploaded lists the staged files for extract.Upload.Commit.
func uploaded(staged []stagedFile) []extract.StagedFile {
	out := make([]extract.StagedFile, 0, len(staged))
	for _, f := range staged {
		out = append(out, extract.StagedFile{Name: filepath.Base(f.local), Path: f.name, From: "upload " + f.from, Size: f.size, SHA256: f.sha})
	}
	return out
}

func (g *stager) addParts(parts Parts) error {
	for {
		name, body, err := parts.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := g.ctx.Err(); err != nil {
			return err
		}
		clean, err := uploadName(name)
		if err != nil {
			return err
		}
		if strings.HasSuffix(strings.ToLower(clean), ".zip") {
			err = g.addZip(clean, body)
		} else {
			err = g.addFile(clean, clean, body, 0)
		}
		if err != nil {
			return err
		}
	}
}

// uploadName checks the name a client gave a file: a plain file name,
// never a path (a browser sends the base name).
func uploadName(name string) (string, error) {
	base := path.Base(strings.ReplaceAll(name, `\`, "/"))
	lower := strings.ToLower(base)
	switch {
	case strings.TrimSpace(name) == "":
		return "", invalid("an uploaded file has no name")
	case base != name:
		return "", invalid("file name %q is a path: upload files under their own names (or a .zip)", name)
	case !validFileName(base):
		return "", invalid("file name %q is not allowed: use letters, digits, spaces and . _ - ( ), not starting with a dot", name)
	case strings.HasSuffix(lower, ".tar"), strings.HasSuffix(lower, ".tar.gz"), strings.HasSuffix(lower, ".tgz"):
		return "", invalid("%s: the portal unpacks .zip archives only: upload the files, or a .zip", name)
	}
	return base, nil
}

// validFileName accepts a name of printable characters, no control or
// path characters, not hidden, at most 255 bytes.
func validFileName(s string) bool {
	if s == "" || s == "." || s == ".." || strings.HasPrefix(s, ".") || len(s) > 255 || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || strings.ContainsRune(`/\:*?"<>|`, r) {
			return false
		}
	}
	return true
}

// claim reserves name in the extraction.
func (g *stager) claim(name, from string) error {
	if len(g.files) >= maxDeliveryFiles {
		return invalid("the delivery holds more than %d files", maxDeliveryFiles)
	}
	key := strings.ToLower(name)
	if g.names[key] {
		return invalid("%s: the delivery holds two files named %q", from, name)
	}
	g.names[key] = true
	return nil
}

// addFile stages r as the file name. compressed is the zip member's
// compressed size (0 for an upload): it bounds the member against bombs.
func (g *stager) addFile(name, from string, r io.Reader, compressed int64) error {
	if err := g.claim(name, from); err != nil {
		return err
	}
	g.seq++
	local := fmt.Sprintf("%04d%s", g.seq, safeExt(name)) // the extension tells the reader the format
	out, err := g.up.Create(local)
	if err != nil {
		return fmt.Errorf("stage %s: %w", from, err)
	}
	lim := &limitReader{r: ctxReader{g.ctx, r}, file: g.limits.MaxFileSize, delivery: g.limits.MaxDeliverySize - g.used, unzip: compressed > 0, what: from, limits: g.limits}
	if compressed > 0 {
		lim.ratio = max(memberRatio*compressed, ratioFloor)
	}
	var count recordCounter
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h, &count), lim)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	g.used += n
	if err != nil {
		var tl *TooLargeError
		var ie *InvalidError
		if errors.As(err, &tl) || errors.As(err, &ie) || errors.Is(err, context.Canceled) {
			return err
		}
		return fmt.Errorf("stage %s: %w", from, err)
	}
	records, lines := count.finish()
	g.files = append(g.files, stagedFile{name: name, from: from, local: g.up.Path(local), size: n,
		sha: hex.EncodeToString(h.Sum(nil)), records: records, lines: lines})
	return nil
}

// safeExt is the extension of name ("kontakte.csv.gz" → ".csv.gz"),
// lower-case, letters, digits and dots only, for a staged file's name.
func safeExt(name string) string {
	base := path.Base(name)
	i := strings.IndexByte(base, '.')
	if i < 0 {
		return ""
	}
	ext := strings.ToLower(base[i:])
	if len(ext) > 16 {
		ext = ext[len(ext)-16:]
	}
	return strings.Map(func(r rune) rune {
		if r == '.' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, ext)
}

// recordCounter counts, as a file is written through it, its non-blank
// CSV records (a line break inside double quotes does not end one) and
// its non-blank lines.
type recordCounter struct {
	inQuote, record, line bool
	records, lines        int64
}

func (c *recordCounter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		line := p // up to and with the next line break
		if i := bytes.IndexByte(p, '\n'); i >= 0 {
			line = p[:i+1]
		}
		p = p[len(line):]
		if c.inQuote || bytes.IndexByte(line, '"') >= 0 {
			c.bytewise(line)
			continue
		}
		// No quote: the line is a record of its own, non-blank when any
		// byte but the line break is there.
		text := bytes.TrimSuffix(line, []byte{'\n'})
		if len(bytes.Trim(text, "\r")) > 0 {
			c.record, c.line = true, true
		}
		if len(text) < len(line) {
			c.endLine()
		}
	}
	return n, nil
}

// endLine counts the record and the line a line break ends (outside
// quotes).
func (c *recordCounter) endLine() {
	if c.record {
		c.records++
	}
	if c.line {
		c.lines++
	}
	c.record, c.line = false, false
}

// bytewise counts p byte by byte: a line with quotes.
func (c *recordCounter) bytewise(p []byte) {
	for _, b := range p {
		switch b {
		case '"':
			c.inQuote = !c.inQuote
			c.record, c.line = true, true
		case '\n':
			if !c.inQuote {
				if c.record {
					c.records++
				}
				c.record = false
			}
			if c.line {
				c.lines++
			}
			c.line = false
		case '\r':
		default:
			c.record, c.line = true, true
		}
	}
}

// finish counts the last record and line when no line break ends them.
func (c *recordCounter) finish() (records, lines int64) {
	if c.record {
		c.records++
	}
	if c.line {
		c.lines++
	}
	return c.records, c.lines
}

// limitReader fails once a file passes its limit, the delivery its limit,
// or a zip member its compression ratio.
type limitReader struct {
	r                     io.Reader
	file, delivery, ratio int64 // bytes left; ratio 0: not a zip member
	n                     int64
	unzip                 bool
	what                  string
	limits                DeliveryLimits
}

func (l *limitReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	switch {
	case l.n > l.file:
		return n, &TooLargeError{What: l.what, Limit: l.limits.MaxFileSize, Setting: "portal.max_file_size", Unzip: l.unzip}
	case l.n > l.delivery:
		return n, &TooLargeError{What: "the delivery", Limit: l.limits.MaxDeliverySize, Setting: "portal.max_delivery_size", Unzip: l.unzip}
	case l.ratio > 0 && l.n > l.ratio:
		return n, invalid("%s unpacks to more than %d× its compressed size: refused as a possible zip bomb", l.what, memberRatio)
	}
	return n, err
}

// addZip stages an uploaded .zip, then unpacks its members beside it
// after checking each, and removes it.
func (g *stager) addZip(name string, body io.Reader) error {
	g.seq++
	local := fmt.Sprintf("%04d.zip", g.seq)
	out, err := g.up.Create(local)
	if err != nil {
		return fmt.Errorf("stage %s: %w", name, err)
	}
	defer func() {
		out.Close()
		_ = g.up.Remove(local)
	}()
	lim := &limitReader{r: ctxReader{g.ctx, body}, file: g.limits.MaxFileSize, delivery: g.limits.MaxDeliverySize - g.used, what: name, limits: g.limits}
	size, err := io.Copy(out, lim)
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(out, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return invalid("%s is not a valid zip archive: %v", name, err)
	}
	if err := g.checkZip(name, zr); err != nil {
		return err
	}
	for _, f := range zr.File {
		if f.Mode().IsDir() || strings.HasSuffix(f.Name, "/") {
			continue
		}
		rel, _ := extract.MemberPath(f.Name) // checked by checkZip
		from := fmt.Sprintf("%s (member %s)", name, f.Name)
		rc, err := f.Open()
		if err != nil {
			return invalid("%s: %v", from, err)
		}
		err = g.addFile(rel, from, rc, max(int64(f.CompressedSize64), 1))
		rc.Close()
		if err != nil {
			if errors.Is(err, zip.ErrChecksum) || errors.Is(err, zip.ErrFormat) || errors.Is(err, io.ErrUnexpectedEOF) {
				return invalid("%s: %v", from, err)
			}
			return err
		}
	}
	return nil
}

// checkZip refuses, before anything is unpacked, members that would land
// outside the extraction, links and special files, and members whose
// declared sizes pass the limits or look like a bomb. The sizes actually
// unpacked are checked again while unpacking.
func (g *stager) checkZip(name string, zr *zip.Reader) error {
	declared := g.used
	for _, f := range zr.File {
		from := fmt.Sprintf("%s (member %s)", name, f.Name)
		mode := f.Mode()
		switch {
		case mode&fs.ModeSymlink != 0:
			return invalid("%s is a symbolic link: a delivery may not contain links", from)
		case mode.IsDir() || strings.HasSuffix(f.Name, "/"):
			if _, err := extract.MemberPath(f.Name); err != nil {
				return invalid("%s: %v", name, err)
			}
			continue
		case !mode.IsRegular():
			return invalid("%s is not a regular file (device, pipe or socket)", from)
		}
		rel, err := extract.MemberPath(f.Name)
		if err != nil {
			return invalid("%s: %v", name, err)
		}
		if !validMemberPath(rel) {
			return invalid("%s: member name not allowed (empty, hidden, or with control or reserved characters)", from)
		}
		size := int64(min(f.UncompressedSize64, 1<<62))
		switch {
		case size > g.limits.MaxFileSize:
			return &TooLargeError{What: from, Limit: g.limits.MaxFileSize, Setting: "portal.max_file_size", Unzip: true}
		case size > max(memberRatio*int64(f.CompressedSize64), ratioFloor):
			return invalid("%s declares %s unzipped from %s: refused as a possible zip bomb", from, humanBytes(size), humanBytes(int64(f.CompressedSize64)))
		}
		declared += size
		if declared > g.limits.MaxDeliverySize {
			return &TooLargeError{What: "the delivery", Limit: g.limits.MaxDeliverySize, Setting: "portal.max_delivery_size", Unzip: true}
		}
	}
	return nil
}

// validMemberPath accepts a path whose every element is a valid file name.
func validMemberPath(rel string) bool {
	if rel == "" {
		return false
	}
	for _, elem := range strings.Split(rel, "/") {
		if !validFileName(elem) {
			return false
		}
	}
	return true
}

// ctxReader stops a long copy when its context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
