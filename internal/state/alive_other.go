//go:build !unix

package state

import "os"

// processAlive reports whether a process with this id exists; on these
// systems os.FindProcess fails for a process that does not.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	_ = p.Release()
	return true
}
