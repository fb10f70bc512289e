// Command profile runs handover's command line in-process under pprof,
// since handover itself has no profiling flag:
//
//	go build -o bench/out/handover-prof ./bench/profile
//	bench/out/handover-prof -cpu cpu.prof -mem mem.prof -- -C DIR check
//	go tool pprof -top bench/out/handover-prof cpu.prof
//
// -peak FILE writes the live heap (inuse_space) each time it reaches a new
// high, so FILE ends up holding what was live at the peak.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/handover/handover/internal/cli"
	"github.com/handover/handover/internal/wire"
)

func main() {
	cpu := flag.String("cpu", "", "write a CPU profile to this file")
	mem := flag.String("mem", "", "write a heap profile (in use at exit, and allocations) to this file")
	peak := flag.String("peak", "", "write the live heap at its peak to this file")
	flag.Parse()
	if *peak != "" {
		stop := make(chan struct{})
		done := make(chan struct{})
		go watchPeak(*peak, stop, done)
		defer func() { close(stop); <-done }()
	}
	if *cpu != "" {
		f, err := os.Create(*cpu)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(err)
		}
	}
	code := cli.Main(cli.Backend{Service: wire.Service, Served: wire.Served, Accounts: wire.Accounts}, flag.Args(), os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	if *cpu != "" {
		pprof.StopCPUProfile()
	}
	if *mem != "" {
		f, err := os.Create(*mem)
		if err != nil {
			fail(err)
		}
		runtime.GC()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			fail(err)
		}
		f.Close()
	}
	if code != 0 {
		os.Exit(code)
	}
}

// watchPeak samples the heap every 100ms and writes a heap profile when
// the live heap grew by a tenth over the last one written.
func watchPeak(path string, stop, done chan struct{}) {
	defer close(done)
	var high uint64
	var ms runtime.MemStats
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc < high+high/10 {
			continue
		}
		high = ms.HeapAlloc
		f, err := os.Create(path)
		if err != nil {
			fail(err)
		}
		if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
			fail(err)
		}
		f.Close()
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "profile:", err)
	os.Exit(2)
}
