package extract

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"
)

// Match returns the stored files whose path matches a glob pattern
// (path.Match syntax: * ? [..], `*` not crossing a `/`), as local paths and
// their paths inside the extraction. No match is an error listing the
// extraction's files.
func (x *Extraction) Match(pattern string) (local, names []string, err error) {
	clean := path.Clean(strings.ReplaceAll(pattern, `\`, "/"))
	if _, err := path.Match(clean, ""); err != nil || !filepath.IsLocal(filepath.FromSlash(clean)) {
		return nil, nil, fmt.Errorf("extraction %d: %q is not a file pattern inside the extraction", x.Number, pattern)
	}
	for _, f := range x.Files {
		if ok, _ := path.Match(clean, f.Path); ok {
			local = append(local, filepath.Join(x.Dir, filepath.FromSlash(f.Path)))
			names = append(names, f.Path)
		}
	}
	if len(names) == 0 {
		return nil, nil, fmt.Errorf("extraction %d has no file matching %q (files: %s)", x.Number, pattern, x.fileList())
	}
	return local, names, nil
}
