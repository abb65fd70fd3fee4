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
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	code := exitCode(err)
	var quiet errQuiet
	if err != nil && code != exitOK && !errors.As(err, &quiet) {
		fmt.Fprintln(os.Stderr, "jobcrawl:", err)
	}
	os.Exit(code)
}
