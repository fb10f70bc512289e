package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// writeFiles writes n attachments into dir/files/: scans and documents of
// 1 KiB to 128 KiB (most small, a few large), 100 to a folder, their bytes
// a function of the seed and their number.
func writeFiles(dir string, seed uint64, n int) (int64, error) {
	var total int64
	buf := make([]byte, 128<<10)
	for i := 1; i <= n; i++ {
		r := rowRNG(seed, streamFile, i)
		size := 1<<10 + r.intn(8<<10)
		if r.chance(0.2) {
			size = 1<<10 + r.intn(127<<10)
		}
		for j := 0; j < size; j += 8 {
			v := r.next()
			for k := 0; k < 8 && j+k < size; k++ {
				buf[j+k] = byte(v >> (8 * k))
			}
		}
		ext := pick(r, []string{"pdf", "jpg", "docx", "png"})
		path := filepath.Join(dir, "files", fmt.Sprintf("%03d", (i-1)/100), fmt.Sprintf("K%08d.%s", i, ext))
		if i%100 == 1 {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return total, fmt.Errorf("write files: %w", err)
			}
		}
		if err := os.WriteFile(path, buf[:size], 0o644); err != nil {
			return total, fmt.Errorf("write files: %w", err)
		}
		total += int64(size)
	}
	return total, nil
}
