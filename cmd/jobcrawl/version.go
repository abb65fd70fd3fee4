package main

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// version is jobcrawl's release; the module version and the commit come
// from the build (see buildInfo).
const version = "0.1.0"

// build describes the running binary.
type build struct {
	Version  string `json:"version"`          // jobcrawl's release
	Module   string `json:"module_version"`   // as the go command recorded it: a tag, a pseudo-version or (devel)
	Commit   string `json:"commit,omitempty"` // the VCS revision it was built from
	Time     string `json:"commit_time,omitempty"`
	Modified bool   `json:"modified,omitempty"` // built from a work tree with uncommitted changes
	Go       string `json:"go"`
	Platform string `json:"platform"`
}

// buildInfo reads what the go command embedded in the binary.
func buildInfo() build {
	b := build{Version: version, Module: "unknown", Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.Module = info.Main.Version
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

func (b build) String() string {
	parts := []string{"module " + b.Module}
	if b.Commit != "" {
		c := b.Commit[:min(12, len(b.Commit))]
		if b.Modified {
			c += " (modified)"
		}
		parts = append(parts, "commit "+c)
	}
	if b.Time != "" {
		parts = append(parts, b.Time)
	}
	parts = append(parts, b.Go, b.Platform)
	return fmt.Sprintf("jobcrawl %s (%s)", b.Version, strings.Join(parts, ", "))
}

func runVersion(_ context.Context, e *env, args []string) error {
	fs := e.newFlagSet("version", "[--json]", "Print jobcrawl's version, the module version and commit it was built from, and the Go toolchain.")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("version takes no arguments (got %q)", pos[0])
	}
	b := buildInfo()
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(b)
	}
	fmt.Fprintln(e.stdout, b)
	return nil
}
