// Command jobcrawl crawls careers sites into a de-duplicated, searchable
// index of job postings, and searches it. Run "jobcrawl help" for the
// sub-commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfile := profile()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stopProfile()
	stop()
	code := exitCode(err)
	var quiet errQuiet
	if err != nil && code != exitOK && !errors.As(err, &quiet) {
		fmt.Fprintln(os.Stderr, "jobcrawl:", err)
	}
	os.Exit(code)
}

// profile writes a CPU profile of the whole command to the file
// JOBCRAWL_CPUPROFILE names, and a heap profile at its end to the one
// JOBCRAWL_MEMPROFILE names (read them with go tool pprof).
func profile() (stop func()) {
	var stops []func()
	if path := os.Getenv("JOBCRAWL_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			stops = append(stops, func() { pprof.StopCPUProfile(); f.Close() })
		} else {
			fmt.Fprintln(os.Stderr, "jobcrawl: JOBCRAWL_CPUPROFILE:", err)
		}
	}
	if path := os.Getenv("JOBCRAWL_MEMPROFILE"); path != "" {
		stops = append(stops, func() {
			if f, err := os.Create(path); err == nil {
				pprof.Lookup("heap").WriteTo(f, 0)
				f.Close()
			}
		})
	}
	return func() {
		for _, s := range stops {
			s()
		}
	}
}
