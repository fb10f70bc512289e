package cli

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
)

// startProfile starts the CPU profile of --cpuprofile and the execution
// trace of --trace.
func (a *app) startProfile() error {
	var err error
	if a.traceFile, err = startOutput(a.traceOut, "trace", trace.Start); err != nil {
		return err
	}
	if a.profileFile, err = startOutput(a.cpuProfile, "cpu profile", pprof.StartCPUProfile); err != nil && a.traceFile != nil {
		trace.Stop()
		a.traceFile.Close()
		a.traceFile = nil
	}
	return err
}

// startOutput creates the file path (none when path is "") and starts
// writing what to it with start.
func startOutput(path, what string, start func(io.Writer) error) (*os.File, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return f, nil
}

// stopProfile ends the CPU profile and writes the heap profile.
func (a *app) stopProfile() error {
	if a.traceFile != nil {
		trace.Stop()
		a.traceFile.Close()
		a.traceFile = nil
	}
	if a.profileFile != nil {
		pprof.StopCPUProfile()
		a.profileFile.Close()
		a.profileFile = nil
	}
	if a.memProfile == "" {
		return nil
	}
	f, err := os.Create(a.memProfile)
	if err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	defer f.Close()
	runtime.GC()
	return pprof.Lookup("allocs").WriteTo(f, 0)
}
