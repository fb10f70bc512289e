package extract

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// archiveKind tells from its name whether a received file is an archive to
// unpack: "zip", "tar", "tar.gz" or "" for a plain file.
func archiveKind(name string) string {
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".zip"):
		return "zip"
	case strings.HasSuffix(lower, ".tar"):
		return "tar"
	case strings.HasSuffix(lower, ".tar.gz"), strings.HasSuffix(lower, ".tgz"):
		return "tar.gz"
	}
	return ""
}

func (g *stager) addArchive(name string) error {
	var err error
	switch archiveKind(name) {
	case "zip":
		err = g.addZip(name)
	default:
		err = g.addTar(name)
	}
	if err != nil {
		return fmt.Errorf("archive %s: %w", name, err)
	}
	return nil
}

func (g *stager) addZip(name string) error {
	r, err := zip.OpenReader(name)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return fmt.Errorf("not a valid zip archive: %w", err)
	}
	defer r.Close()
	info, err := os.Stat(name)
	if err != nil {
		return err
	}
	b := newBudget(g.limits, info.Size())
	for _, f := range r.File {
		if err := g.addZipMember(name, f, b); err != nil {
			return err
		}
	}
	return nil
}

func (g *stager) addZipMember(archive string, f *zip.File, b *budget) error {
	rel, err := MemberPath(f.Name)
	if err != nil {
		return err
	}
	mode := f.Mode()
	switch {
	case mode&fs.ModeSymlink != 0:
		return fmt.Errorf("member %q is a symbolic link: a delivery may not contain links", f.Name)
	case mode.IsDir() || strings.HasSuffix(f.Name, "/"):
		return nil
	case !mode.IsRegular():
		return fmt.Errorf("member %q is not a regular file (device, pipe or socket)", f.Name)
	case rel == "":
		return fmt.Errorf("member %q has no file name", f.Name)
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("member %q: %w", f.Name, err)
	}
	defer rc.Close()
	return g.write(rel, memberFrom(archive, f.Name), b.member(f.Name, rc, int64(f.CompressedSize64)), f.Modified)
}

func (g *stager) addTar(name string) error {
	file, err := os.Open(name)
	if err != nil {
		return err
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil {
		return err
	}
	b := newBudget(g.limits, info.Size())
	var r io.Reader = file
	if archiveKind(name) == "tar.gz" {
		gz, err := gzip.NewReader(file)
		if err != nil {
			return fmt.Errorf("not a valid gzip file: %w", err)
		}
		defer gz.Close()
		r = gz
	}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil && !(errors.Is(err, tar.ErrInsecurePath) && hdr != nil) {
			return fmt.Errorf("not a valid tar archive: %w", err)
		}
		if err := g.addTarMember(name, hdr, b.member(hdr.Name, tr, 0)); err != nil {
			return err
		}
	}
}

func (g *stager) addTarMember(archive string, hdr *tar.Header, r io.Reader) error {
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil
	}
	rel, err := MemberPath(hdr.Name)
	if err != nil {
		return err
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		return nil
	case tar.TypeSymlink:
		return fmt.Errorf("member %q is a symbolic link (to %q): a delivery may not contain links", hdr.Name, hdr.Linkname)
	case tar.TypeLink:
		return fmt.Errorf("member %q is a hard link (to %q): a delivery may not contain links", hdr.Name, hdr.Linkname)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return fmt.Errorf("member %q is a device or pipe, not a regular file", hdr.Name)
	case tar.TypeReg: // the reader turns the old TypeRegA into TypeReg
	default:
		return fmt.Errorf("member %q has unsupported type %q", hdr.Name, hdr.Typeflag)
	}
	if rel == "" {
		return fmt.Errorf("member %q has no file name", hdr.Name)
	}
	return g.write(rel, memberFrom(archive, hdr.Name), r, hdr.ModTime)
}

func memberFrom(archive, member string) string {
	return fmt.Sprintf("%s (member %s)", archive, member)
}

// MemberPath turns an archive member name into a clean slash-separated
// path inside the extraction, refusing names that would escape it. It
// returns "" for the archive's top directory ("./").
func MemberPath(name string) (string, error) {
	n := strings.ReplaceAll(name, `\`, "/")
	switch {
	case strings.ContainsRune(n, 0):
		return "", fmt.Errorf("member %q has a NUL byte in its name", name)
	case strings.HasPrefix(n, "/") || hasDrive(n):
		return "", fmt.Errorf("member %q has an absolute path: it would be written outside the extraction", name)
	}
	for _, elem := range strings.Split(n, "/") {
		if elem == ".." {
			return "", fmt.Errorf("member %q contains \"..\": it would be written outside the extraction", name)
		}
	}
	clean := path.Clean(n)
	if clean == "." {
		return "", nil
	}
	if !filepath.IsLocal(filepath.FromSlash(clean)) {
		return "", fmt.Errorf("member %q is not a local path: it would be written outside the extraction", name)
	}
	return clean, nil
}

// hasDrive reports a Windows drive prefix such as "C:".
func hasDrive(n string) bool {
	return len(n) >= 2 && n[1] == ':' && (n[0]|0x20 >= 'a' && n[0]|0x20 <= 'z')
}
