package files

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/handover/handover/internal/extract"
)

// syncAll plans and applies, failing the test on any error.
func syncAll(t *testing.T, src []extract.File, root string, dst Store, opts ApplyOptions) (*SyncPlan, *Result) {
	t.Helper()
	plan, err := PlanSync(context.Background(), src, root, dst, SelectOptions{})
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	res, err := Apply(context.Background(), plan, dst, opts)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return plan, res
}

func actions(p *SyncPlan) map[string]Action {
	out := map[string]Action{}
	for _, e := range p.Entries {
		out[e.Path] = e.Action
	}
	return out
}

var firstDelivery = map[string][]byte{
	"kontakte.csv":          []byte("not shipped: outside files/"),
	"files/a/vertrag.pdf":   []byte("contract v1"),
	"files/a/anhang.docx":   []byte("attachment"),
	"files/b/foto.jpg":      []byte("photo bytes"),
	"files/b/c/notiz.txt":   []byte("note"),
	"files/leer.txt":        {},
	"files/removed-later.x": []byte("only in delivery 1"),
}

var secondDelivery = map[string][]byte{
	"kontakte.csv":        []byte("not shipped: outside files/"),
	"files/a/vertrag.pdf": []byte("contract v2"),            // modified, same size
	"files/a/anhang.docx": []byte("attachment, now longer"), // modified, other size
	"files/b/foto.jpg":    []byte("photo bytes"),            // unchanged
	"files/b/c/notiz.txt": []byte("note"),                   // unchanged
	"files/leer.txt":      {},                               // unchanged
	"files/neu/scan.pdf":  []byte("added in delivery 2"),    // added
}

func TestSyncDeliveries(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) Store) {
		dst := &recorder{Store: newStore(t)}
		root1, files1 := extraction(t, firstDelivery)

		// First sync: everything under files/ is new.
		plan, res := syncAll(t, files1, root1, dst, ApplyOptions{})
		if plan.Summary.New.Files != 6 || plan.Summary.Changed.Files+plan.Summary.Unchanged.Files+plan.Summary.Extra.Files != 0 {
			t.Fatalf("first plan summary = %+v, want 6 new", plan.Summary)
		}
		if res.Uploaded.Files != 6 || res.New.Bytes != plan.Summary.New.Bytes || len(dst.putPaths()) != 6 {
			t.Fatalf("first sync result = %+v, puts %v", res, dst.putPaths())
		}
		if got := string(read(t, dst, "a/vertrag.pdf")); got != "contract v1" {
			t.Errorf("a/vertrag.pdf = %q", got)
		}

		// Second sync of the same extraction: nothing to upload.
		dst.puts = nil
		plan, res = syncAll(t, files1, root1, dst, ApplyOptions{})
		if plan.Summary.Unchanged.Files != 6 || res.Uploaded.Files != 0 || len(dst.putPaths()) != 0 {
			t.Fatalf("re-sync: plan %+v, result %+v, puts %v; want 6 unchanged, no upload", plan.Summary, res, dst.putPaths())
		}

		// Extraction 2: only the added and the modified files travel.
		root2, files2 := extraction(t, secondDelivery)
		plan, res = syncAll(t, files2, root2, dst, ApplyOptions{})
		want := map[string]Action{
			"a/vertrag.pdf": ActionChanged, "a/anhang.docx": ActionChanged, "neu/scan.pdf": ActionNew,
			"b/foto.jpg": ActionUnchanged, "b/c/notiz.txt": ActionUnchanged, "leer.txt": ActionUnchanged,
			"removed-later.x": ActionExtra,
		}
		if got := actions(plan); !mapsEqual(got, want) {
			t.Errorf("plan for extraction 2 = %v\nwant %v", got, want)
		}
		if got := dst.putPaths(); !slices.Equal(got, []string{"a/anhang.docx", "a/vertrag.pdf", "neu/scan.pdf"}) {
			t.Errorf("uploaded %v, want the added and modified files only", got)
		}
		if res.New.Files != 1 || res.Changed.Files != 2 || res.Unchanged.Files != 3 || res.Kept.Files != 1 || res.Deleted.Files != 0 {
			t.Errorf("result = %+v", res)
		}
		for p, want := range map[string]string{"a/vertrag.pdf": "contract v2", "a/anhang.docx": "attachment, now longer", "removed-later.x": "only in delivery 1"} {
			if got := string(read(t, dst, p)); got != want {
				t.Errorf("%s = %q, want %q", p, got, want)
			}
		}
		v, err := Verify(context.Background(), files2, dst, VerifyOptions{})
		if err != nil || !v.OK() || v.Matching.Files != 6 || !slices.Equal(v.Extra, []string{"removed-later.x"}) {
			t.Errorf("verify after sync = %+v, %v", v, err)
		}

		// --delete removes the extra file.
		_, res = syncAll(t, files2, root2, dst, ApplyOptions{Delete: true})
		if res.Deleted.Files != 1 || !slices.Equal(dst.removes, []string{"removed-later.x"}) {
			t.Errorf("sync --delete: result %+v, removed %v", res, dst.removes)
		}
		objs, err := dst.List(context.Background(), "")
		if err != nil || len(objs) != 6 {
			t.Errorf("after --delete the store holds %v, %v; want the 6 files of extraction 2", paths(objs), err)
		}
	})
}

func mapsEqual(a, b map[string]Action) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestSyncResume kills a sync half-way — once inside a multipart upload
// that replaces an older version, once between files — and checks that no
// partial object shows and that the re-run ships only what is missing.
func TestSyncResume(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) Store) {
		store := newStore(t)
		v1 := map[string][]byte{"files/big.bin": randomBytes(t, 2*testPartSize+777)}
		root1, files1 := extraction(t, v1)
		syncAll(t, files1, root1, store, ApplyOptions{})

		delivery := map[string][]byte{"files/big.bin": randomBytes(t, 2*testPartSize+999)}
		for i := range 6 {
			delivery["files/small/"+string(rune('a'+i))+".bin"] = randomBytes(t, 100_000+i)
		}
		root, files := extraction(t, delivery)
		big := int64(len(delivery["files/big.bin"]))

		// Interrupted inside big.bin's multipart upload: the old version stays.
		interrupted(t, files, root, store, testPartSize+4321)
		if o, err := store.Stat(context.Background(), "big.bin"); err != nil || o.SHA256 != sum(v1["files/big.bin"]) {
			t.Fatalf("big.bin after an interrupted overwrite = %+v, %v; want the old version", o, err)
		}
		expectNoLeftovers(t, store)

		// Interrupted in the fourth small file (largest go first: big, f, e, d…).
		interrupted(t, files, root, store, big+100_005+100_004+50_000)
		plan, err := PlanSync(context.Background(), files, root, store, SelectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]Action{"big.bin": ActionUnchanged, "small/f.bin": ActionUnchanged, "small/e.bin": ActionUnchanged,
			"small/d.bin": ActionNew, "small/c.bin": ActionNew, "small/b.bin": ActionNew, "small/a.bin": ActionNew}
		if got := actions(plan); !mapsEqual(got, want) {
			t.Fatalf("plan after the interruption = %v\nwant %v", got, want)
		}
		rec := &recorder{Store: store}
		if _, err := Apply(context.Background(), plan, rec, ApplyOptions{Parallel: 1}); err != nil {
			t.Fatal(err)
		}
		if got := rec.putPaths(); !slices.Equal(got, []string{"small/a.bin", "small/b.bin", "small/c.bin", "small/d.bin"}) {
			t.Errorf("resumed sync uploaded %v, want only the 4 missing files", got)
		}
		if v, err := Verify(context.Background(), files, store, VerifyOptions{Deep: true}); err != nil || !v.OK() || v.Matching.Files != 7 {
			t.Errorf("deep verify after resume = %+v, %v", v, err)
		}
		expectNoLeftovers(t, store)
	})
}

// interrupted runs a sync with one transfer at a time that is canceled once
// budget bytes were sent.
func interrupted(t *testing.T, files []extract.File, root string, store Store, budget int64) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &recorder{Store: store, cancelAfter: budget, cancel: cancel}
	plan, err := PlanSync(ctx, files, root, rec, SelectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var p Progress
	res, err := Apply(ctx, plan, rec, ApplyOptions{Parallel: 1, Progress: &p})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted sync: %v, want context.Canceled", err)
	}
	if res == nil || len(res.Failed) != 1 || p.Snapshot().FilesDone != int64(res.Uploaded.Files+1) {
		t.Errorf("interrupted sync: result %+v, progress %+v; want one failed transfer", res, p.Snapshot())
	}
}

// TestSyncFileErrors: one failing file does not stop the others, and the
// sync fails at the end naming it.
func TestSyncFileErrors(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) Store) {
		root, files := extraction(t, firstDelivery)
		dst := &recorder{Store: newStore(t), failOn: map[string]bool{"b/foto.jpg": true}}
		plan, err := PlanSync(context.Background(), files, root, dst, SelectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var p Progress
		res, err := Apply(context.Background(), plan, dst, ApplyOptions{Parallel: 3, Progress: &p})
		var se *SyncError
		if !errors.As(err, &se) || len(se.Failed) != 1 || se.Failed[0].Path != "b/foto.jpg" || se.Total != 6 {
			t.Fatalf("apply with one failing file: %v", err)
		}
		if res.Uploaded.Files != 5 {
			t.Errorf("uploaded %d files, want the 5 others", res.Uploaded.Files)
		}
		snap := p.Snapshot()
		if snap.FilesTotal != 6 || snap.FilesDone != 6 || snap.Failed != 1 || snap.BytesTotal != plan.Summary.New.Bytes {
			t.Errorf("progress = %+v", snap)
		}
		if snap.BytesDone != plan.Summary.New.Bytes-int64(len("photo bytes")) {
			t.Errorf("progress bytes done = %d, want %d", snap.BytesDone, plan.Summary.New.Bytes-11)
		}
	})
}

func TestPlanJSON(t *testing.T) {
	root, files := extraction(t, firstDelivery)
	dst := newDirStore(t)
	put(t, dst, "a/vertrag.pdf", []byte("contract v0"))
	put(t, dst, "zzz.old", []byte("old"))
	plan, err := PlanSync(context.Background(), files, root, dst, SelectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Store   string
		Prefix  string
		Summary map[string]Count
		Entries []map[string]any
	}
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.Prefix != "files/" || back.Summary["new"].Files != 5 || back.Summary["changed"].Files != 1 || back.Summary["extra"].Files != 1 {
		t.Errorf("plan JSON = %s", data)
	}
	if e := back.Entries[1]; e["path"] != "a/vertrag.pdf" || e["action"] != "changed" || e["reason"] != "sha256 differs" || e["source"] != "files/a/vertrag.pdf" {
		t.Errorf("entry 1 = %v", e)
	}
	if string(data) == "" || strings.Contains(string(data), root) {
		t.Errorf("plan JSON reveals the local extraction directory: %s", data)
	}
}

func TestPlanSelection(t *testing.T) {
	root, files := extraction(t, map[string][]byte{"files/a": []byte("a"), "filesX/b": []byte("b"), "c.csv": []byte("c"), "sub/d": []byte("d")})
	dst := newDirStore(t)
	cases := []struct {
		prefix string
		want   []string
	}{
		{"", []string{"a"}},
		{"files/", []string{"a"}},
		{"files", []string{"a"}},
		{"sub", []string{"d"}},
		{AllFiles, []string{"c.csv", "files/a", "filesX/b", "sub/d"}},
	}
	for _, c := range cases {
		plan, err := PlanSync(context.Background(), files, root, dst, SelectOptions{Prefix: c.prefix})
		if err != nil {
			t.Fatalf("prefix %q: %v", c.prefix, err)
		}
		var got []string
		for _, e := range plan.Entries {
			got = append(got, e.Path)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("prefix %q selects %v, want %v", c.prefix, got, c.want)
		}
	}
	bad := []extract.File{{Path: "files/x", SHA256: "zz"}}
	if _, err := PlanSync(context.Background(), bad, root, dst, SelectOptions{}); err == nil {
		t.Error("plan accepted a malformed sha256")
	}
	dup := []extract.File{{Path: "files/x", SHA256: sum(nil)}, {Path: "files/x", SHA256: sum(nil)}}
	if _, err := PlanSync(context.Background(), dup, root, dst, SelectOptions{}); err == nil {
		t.Error("plan accepted a path listed twice")
	}
}
