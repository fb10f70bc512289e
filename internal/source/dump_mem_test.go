package source

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Reading a table of a large dump holds one row at a time: the heap stays
// far below the dump's size, whichever statement form holds the rows.
func TestDumpMemoryIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 40 MB dump")
	}
	const rows = 300_000
	for _, form := range []string{"copy", "insert"} {
		path := filepath.Join(t.TempDir(), form+".sql")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriter(f)
		fmt.Fprintln(w, "-- PostgreSQL database dump")
		fmt.Fprintln(w, "CREATE TABLE public.other (x text);")
		if form == "copy" {
			fmt.Fprintln(w, "COPY public.big (id, name, note) FROM stdin;")
			for i := range rows {
				fmt.Fprintf(w, "%d\tName %d\tsome note text that makes the row longer\\n%d\n", i, i, i)
			}
			fmt.Fprintln(w, `\.`)
		} else {
			// one huge INSERT statement: no line ends inside it
			fmt.Fprint(w, "INSERT INTO public.big (id, name, note) VALUES ")
			for i := range rows {
				if i > 0 {
					w.WriteByte(',')
				}
				fmt.Fprintf(w, "(%d, 'Name %d', 'some note text that makes the row longer %d')", i, i, i)
			}
			fmt.Fprintln(w, ";")
		}
		w.Flush()
		f.Close()
		st, _ := os.Stat(path)

		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base := ms.HeapAlloc
		r, err := Open(context.Background(), path, Options{Table: "big"})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		var peak uint64
		for {
			_, err := r.Next(context.Background())
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if n++; n%20_000 == 0 {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc-min(base, ms.HeapAlloc))
			}
		}
		r.Close()
		if n != rows {
			t.Errorf("%s: %d rows, want %d", form, n, rows)
		}
		if peak > 16<<20 {
			t.Errorf("%s: heap grew by %d MB reading a %d MB dump", form, peak>>20, st.Size()>>20)
		}
		t.Logf("%s: %d MB dump, heap above start at most %.1f MB", form, st.Size()>>20, float64(peak)/(1<<20))
	}
}
