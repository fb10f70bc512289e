package extract

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"
)

// Match returns the paths inside the extraction of the stored files that
// match a glob pattern (path.Match syntax: * ? [..], `*` not crossing a
// `/`). No match is an error listing the
// extraction's files.
func (x *Extraction) Match(pattern string) (names []string, err error) {
	clean := path.Clean(strings.ReplaceAll(pattern, `\`, "/"))
	if _, err := path.Match(clean, ""); err != nil || !filepath.IsLocal(filepath.FromSlash(clean)) {
		return nil, fmt.Errorf("extraction %d: %q is not a file pattern inside the extraction", x.Number, pattern)
	}
	for _, f := range x.Files {
		if ok, _ := path.Match(clean, f.Path); ok {
			names = append(names, f.Path)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("extraction %d has no file matching %q (files: %s)", x.Number, pattern, x.fileList())
	}
	return names, nil
}
