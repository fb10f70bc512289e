// Package extract stores a customer's deliveries as numbered, immutable,
// content-hashed extractions under the project's .handover/extractions.
package extract

import "time"

// Manifest is an extraction's manifest.json.
type Manifest struct {
	Number   int       `json:"number"`
	Label    string    `json:"label,omitempty"`
	Received time.Time `json:"received"`
	Sources  []string  `json:"sources"` // what was received (base names only; never full local paths)
	Files    []File    `json:"files"`   // sorted by Path
}

// File is one stored file. Path is slash-separated, relative to the
// extraction root.
type File struct {
	Path    string    `json:"path"`
	Size    int64     `json:"size"`
	SHA256  string    `json:"sha256"` // hex
	ModTime time.Time `json:"mtime"`
}

// Extraction is one stored delivery.
type Extraction struct {
	Manifest
	Dir string // absolute directory holding the files
}
