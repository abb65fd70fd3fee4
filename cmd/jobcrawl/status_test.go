package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/daemon/coord"
	"github.com/jobcrawl/jobcrawl/internal/redistest"
)

// TestStatusFromRedis: jobcrawl status reads who holds which site from
// Redis, whichever daemon that is, and prints it as a table and as JSON;
// the password in the URL is never printed.
func TestStatusFromRedis(t *testing.T) {
	addr, stop, _ := redistest.Start(t, "--requirepass", "s3cret-pw")
	url := fmt.Sprintf("redis://:s3cret-pw@%s/0", addr)
	t.Setenv("REDIS_URL", "")
	cfg := writeConfig(t, fmt.Sprintf(`
coordination: {backend: redis, url: %q, prefix: st}
sites:
  - {name: contoso, start_urls: ["http://127.0.0.1:1/"], job_links: a, pagination: {next: "a.next"}}
  - {name: fabrikam, start_urls: ["http://127.0.0.1:1/"], job_links: a, pagination: {next: "a.next"}}
`, url))
	other, err := coord.NewRedis(coord.RedisOptions{URL: url, ID: "crawler-b", Prefix: "st"})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Acquire(context.Background(), "contoso", time.Minute); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := jobcrawl(t, "status", "--config", cfg)
	if code != exitOK || !strings.Contains(out, "crawler-b") || !strings.Contains(out, "fabrikam") {
		t.Fatalf("status: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = jobcrawl(t, "status", "--config", cfg, "--json")
	var got struct {
		Source string `json:"source"`
		Sites  []struct {
			Site  string `json:"site"`
			Lease *struct {
				Holder string `json:"holder"`
				Token  int64  `json:"token"`
			} `json:"lease"`
		} `json:"sites"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != exitOK {
		t.Fatalf("status --json: exit %d, %v\n%s%s", code, err, out, errOut)
	}
	if len(got.Sites) != 2 || got.Sites[0].Lease == nil || got.Sites[0].Lease.Holder != "crawler-b" || got.Sites[1].Lease != nil {
		t.Errorf("status --json: %+v: want contoso held by crawler-b, fabrikam free", got.Sites)
	}

	stop()
	code, out, errOut = jobcrawl(t, "status", "--config", cfg, "--timeout", "2s")
	if code == exitOK || strings.Contains(out+errOut, "s3cret-pw") {
		t.Errorf("status with Redis down: exit %d (want an error), password printed: %v\n%s%s", code,
			strings.Contains(out+errOut, "s3cret-pw"), out, errOut)
	}
}

// TestCoordinationConfigErrors: mistakes in coordination and hosts are
// reported with their keys, all at once.
func TestCoordinationConfigErrors(t *testing.T) {
	cfg := writeConfig(t, `
coordination: {backend: zookeeper, lease_ttl: 100ms}
hosts:
  - {host: "https://boards.example.com/x", rate: 5/s}
  - {host: jobs.example.com}
sites:
  - {name: contoso, start_urls: ["http://127.0.0.1:1/"], job_links: a, pagination: {next: "a.next"}}
`)
	code, _, errOut := jobcrawl(t, "validate", "--config", cfg)
	for _, want := range []string{"coordination.backend", "coordination.lease_ttl", "hosts[0].host", "hosts[1].rate"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("validate does not name %s:\n%s", want, errOut)
		}
	}
	if code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	cfg = writeConfig(t, `
coordination: {backend: redis}
sites:
  - {name: contoso, start_urls: ["http://127.0.0.1:1/"], job_links: a, pagination: {next: "a.next"}}
`)
	t.Setenv("REDIS_URL", "")
	if _, _, errOut := jobcrawl(t, "validate", "--config", cfg); !strings.Contains(errOut, "coordination.url") {
		t.Errorf("redis without a url: %s", errOut)
	}
}

// TestSecondDaemonOnEmbeddedIndex: with the embedded index, a second
// daemon sharing the data_dir stops at start and says why, even with
// Redis coordination configured.
func TestSecondDaemonOnEmbeddedIndex(t *testing.T) {
	t.Setenv("REDIS_URL", "")
	cfg := writeConfig(t, `
data_dir: ./data
coordination: {backend: redis, url: "redis://127.0.0.1:1/0"}
sites:
  - {name: contoso, start_urls: ["http://127.0.0.1:1/"], job_links: a, pagination: {next: "a.next"}}
`)
	first, err := openIndex(mustLoad(t, cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	code, _, errOut := jobcrawl(t, "daemon", "--config", cfg, "--listen", "127.0.0.1:0")
	if code == exitOK || !strings.Contains(errOut, "index.backend: meilisearch") {
		t.Errorf("second daemon on the embedded index: exit %d\n%s", code, errOut)
	}
}

func mustLoad(tb testing.TB, path string) *Config {
	tb.Helper()
	cfg, err := loadConfig(path)
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}
