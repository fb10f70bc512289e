package files

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/handover/handover/internal/extract"
)

// VerifyOptions tune Verify.
type VerifyOptions struct {
	Prefix   string // as in SelectOptions
	Deep     bool   // download every object whose size matches and hash it
	Parallel int    // concurrent downloads with Deep; default DefaultParallel
}

// VerifyResult compares a destination with an extraction's manifest.
type VerifyResult struct {
	Store     string       `json:"store"`
	Prefix    string       `json:"prefix"`
	Deep      bool         `json:"deep"`
	Matching  Count        `json:"matching"`
	Missing   []string     `json:"missing"`   // in the extraction, not at the destination
	Differing []Difference `json:"differing"` // at both, with other content (or an unknown hash)
	Extra     []string     `json:"extra"`     // at the destination only
	Millis    int64        `json:"millis"`
}

// Difference is one file whose destination copy does not match.
type Difference struct {
	Path      string `json:"path"`
	Reason    string `json:"reason"`
	Size      int64  `json:"size"`     // in the extraction
	DstSize   int64  `json:"dst_size"` // at the destination
	SHA256    string `json:"sha256"`
	DstSHA256 string `json:"dst_sha256,omitempty"` // stored (or, with Deep, computed) at the destination
}

// OK reports whether every extraction file is at the destination with the
// same content. Extra files do not count against it: a sync keeps them
// unless told to delete; callers that care look at Extra.
func (v *VerifyResult) OK() bool { return len(v.Missing) == 0 && len(v.Differing) == 0 }

// Verify compares the destination with the extraction's files under the
// prefix: by size and stored SHA-256, or with Deep by the SHA-256 of the
// downloaded content. A store of local files is always compared by
// content, as rclone check does: hashing them is cheap, and a same-size
// edit with its modification time restored must not pass.
func Verify(ctx context.Context, src []extract.File, dst Store, opts VerifyOptions) (*VerifyResult, error) {
	start := time.Now()
	if l, ok := dst.(interface{ Local() bool }); ok && l.Local() {
		opts.Deep = true
	}
	prefix := normPrefix(opts.Prefix)
	sel, err := selectFiles(src, prefix)
	if err != nil {
		return nil, fmt.Errorf("verify files: %w", err)
	}
	objs, err := dst.List(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("verify files: %w", err)
	}
	res := &VerifyResult{Store: dst.String(), Prefix: prefix, Deep: opts.Deep, Missing: []string{}, Differing: []Difference{}, Extra: []string{}}
	var hashLater []Difference // same size: to be hashed with Deep
	lockstep(sel, objs, func(s *selected, o *Object) {
		switch {
		case s == nil:
			res.Extra = append(res.Extra, o.Path)
		case o == nil:
			res.Missing = append(res.Missing, s.Path)
		default:
			d := Difference{Path: s.Path, Size: s.Size, DstSize: o.Size, SHA256: s.SHA256, DstSHA256: o.SHA256}
			switch {
			case o.Size != s.Size:
				d.Reason = "size differs"
				res.Differing = append(res.Differing, d)
			case opts.Deep:
				hashLater = append(hashLater, d)
			case o.SHA256 == "":
				d.Reason = "sha256 unknown at the destination"
				res.Differing = append(res.Differing, d)
			case o.SHA256 != s.SHA256:
				d.Reason = "sha256 differs"
				res.Differing = append(res.Differing, d)
			default:
				res.Matching.add(s.Size)
			}
		}
	})
	if err := deepCheck(ctx, dst, hashLater, opts.Parallel, res); err != nil {
		return nil, fmt.Errorf("verify files: %w", err)
	}
	flush(ctx, dst) // best effort: the hash index only saves time
	res.Millis = time.Since(start).Milliseconds()
	return res, nil
}

// deepCheck downloads and hashes each candidate, adding it to Matching or
// Differing in path order.
func deepCheck(ctx context.Context, dst Store, cands []Difference, parallel int, res *VerifyResult) error {
	sums := make([]string, len(cands))
	errs := make([]error, len(cands))
	idx := make([]int, len(cands))
	for i := range idx {
		idx[i] = i
	}
	run(ctx, idx, parallel, func(i int) { // each goroutine writes its own slots
		sums[i], errs[i] = hashObject(ctx, dst, cands[i].Path)
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, d := range cands {
		switch {
		case errs[i] != nil:
			return errs[i]
		case sums[i] != d.SHA256:
			d.Reason, d.DstSHA256 = "content differs (sha256 of the downloaded object)", sums[i]
			res.Differing = append(res.Differing, d)
		default:
			res.Matching.add(d.Size)
		}
	}
	sort.Slice(res.Differing, func(i, j int) bool { return res.Differing[i].Path < res.Differing[j].Path })
	return nil
}

func hashObject(ctx context.Context, dst Store, p string) (string, error) {
	rc, err := dst.Open(ctx, p)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return "", fmt.Errorf("read %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
