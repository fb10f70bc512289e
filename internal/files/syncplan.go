package files

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/handover/handover/internal/extract"
)

// DefaultPrefix selects the extraction files a sync ships: those below
// files/, stored at the destination relative to it.
const DefaultPrefix = "files/"

// AllFiles as a prefix ships every file of the extraction.
const AllFiles = "."

// Action is what a sync does with one path.
type Action string

// Actions, from rclone's vocabulary: SrcOnly is new, DstOnly is extra.
const (
	ActionNew       Action = "new"       // in the extraction only: upload
	ActionChanged   Action = "changed"   // in both, different or unknown at the destination: upload
	ActionUnchanged Action = "unchanged" // same size and SHA-256: nothing to do
	ActionExtra     Action = "extra"     // at the destination only: kept, or removed with Delete
)

// Entry is one path of a plan.
type Entry struct {
	Path   string `json:"path"`             // at the destination
	Source string `json:"source,omitempty"` // in the extraction; "" for extra
	Action Action `json:"action"`
	Size   int64  `json:"size"`             // the extraction's; the destination's for extra
	SHA256 string `json:"sha256,omitempty"` // the extraction's; the destination's for extra
	Reason string `json:"reason,omitempty"` // why a file counts as changed
}

// Count is a number of files and their bytes.
type Count struct {
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
}

func (c *Count) add(size int64) { c.Files++; c.Bytes += size }

// Summary counts a plan's entries by action.
type Summary struct {
	New       Count `json:"new"`
	Changed   Count `json:"changed"`
	Unchanged Count `json:"unchanged"`
	Extra     Count `json:"extra"`
}

// SyncPlan is what a sync would do: the --dry-run output and Apply's input.
type SyncPlan struct {
	Store   string  `json:"store"`  // the destination, without credentials
	Prefix  string  `json:"prefix"` // which extraction files were selected
	Summary Summary `json:"summary"`
	Entries []Entry `json:"entries"` // sorted by path
	Millis  int64   `json:"millis"`  // time spent planning
	SrcRoot string  `json:"-"`       // the extraction's directory, source paths are relative to it
	// SrcOpen, when set, reads a source path instead (an extraction kept
	// in a store, not a local directory).
	SrcOpen func(ctx context.Context, path string) (io.ReadCloser, error) `json:"-"`
}

// SelectOptions tune PlanSync and Verify's selection of files.
type SelectOptions struct {
	Prefix string // default DefaultPrefix; AllFiles for the whole extraction
}

// PlanSync compares the extraction's files under the prefix with the
// destination's listing, walking both sorted in lockstep. A destination
// object is unchanged when its size and stored SHA-256 match the
// extraction's; nothing is downloaded.
func PlanSync(ctx context.Context, src []extract.File, srcRoot string, dst Store, opts SelectOptions) (*SyncPlan, error) {
	start := time.Now()
	prefix := normPrefix(opts.Prefix)
	sel, err := selectFiles(src, prefix)
	if err != nil {
		return nil, fmt.Errorf("plan file sync: %w", err)
	}
	objs, err := dst.List(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("plan file sync: %w", err)
	}
	p := &SyncPlan{Store: dst.String(), Prefix: prefix, SrcRoot: srcRoot}
	lockstep(sel, objs, func(s *selected, o *Object) {
		e := decide(s, o)
		p.Entries = append(p.Entries, e)
		switch e.Action {
		case ActionNew:
			p.Summary.New.add(e.Size)
		case ActionChanged:
			p.Summary.Changed.add(e.Size)
		case ActionUnchanged:
			p.Summary.Unchanged.add(e.Size)
		case ActionExtra:
			p.Summary.Extra.add(e.Size)
		}
	})
	p.Millis = time.Since(start).Milliseconds()
	return p, nil
}

// decide classifies one path; s or o is nil when the path is on one side only.
func decide(s *selected, o *Object) Entry {
	switch {
	case s == nil:
		return Entry{Path: o.Path, Action: ActionExtra, Size: o.Size, SHA256: o.SHA256}
	case o == nil:
		return s.entry(ActionNew, "")
	case o.Size != s.Size:
		return s.entry(ActionChanged, fmt.Sprintf("size %d at the destination, %d in the extraction", o.Size, s.Size))
	case o.SHA256 == "":
		return s.entry(ActionChanged, "sha256 unknown at the destination")
	case o.SHA256 != s.SHA256:
		return s.entry(ActionChanged, "sha256 differs")
	}
	return s.entry(ActionUnchanged, "")
}

// selected is an extraction file chosen for shipping.
type selected struct {
	extract.File        // Path relative to the prefix
	Source       string // path in the extraction
}

func (s *selected) entry(a Action, reason string) Entry {
	return Entry{Path: s.Path, Source: s.Source, Action: a, Size: s.Size, SHA256: s.SHA256, Reason: reason}
}

func normPrefix(p string) string {
	switch {
	case p == "":
		return DefaultPrefix
	case p == AllFiles:
		return ""
	case !strings.HasSuffix(p, "/"):
		return p + "/"
	}
	return p
}

// selectFiles picks the files under prefix, checks them, and sorts them by
// their path relative to it.
func selectFiles(src []extract.File, prefix string) ([]selected, error) {
	var out []selected
	for _, f := range src {
		if !strings.HasPrefix(f.Path, prefix) {
			continue
		}
		s := selected{File: f, Source: f.Path}
		s.Path = strings.TrimPrefix(f.Path, prefix)
		s.SHA256 = strings.ToLower(f.SHA256)
		if err := CheckPath(s.Path); err != nil {
			return nil, fmt.Errorf("extraction file %s: %w", f.Path, err)
		}
		if err := checkHex(s.SHA256); err != nil {
			return nil, fmt.Errorf("extraction file %s: %w", f.Path, err)
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	for i := 1; i < len(out); i++ {
		if out[i].Path == out[i-1].Path {
			return nil, fmt.Errorf("extraction lists %s twice", out[i].Source)
		}
	}
	return out, nil
}

// lockstep walks two listings sorted by path and calls fn for every path,
// with nil for the side that lacks it.
func lockstep(src []selected, dst []Object, fn func(*selected, *Object)) {
	i, j := 0, 0
	for i < len(src) || j < len(dst) {
		switch {
		case j == len(dst) || (i < len(src) && src[i].Path < dst[j].Path):
			fn(&src[i], nil)
			i++
		case i == len(src) || dst[j].Path < src[i].Path:
			fn(nil, &dst[j])
			j++
		default:
			fn(&src[i], &dst[j])
			i++
			j++
		}
	}
}
