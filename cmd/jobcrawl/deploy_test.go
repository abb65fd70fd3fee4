package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// repoFile reads a file of the repository, from cmd/jobcrawl.
func repoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSystemdUnit: the unit in deploy/ restarts on failure, is hardened,
// runs the daemon, and systemd itself accepts it (when systemd-analyze is
// installed).
func TestSystemdUnit(t *testing.T) {
	unit := repoFile(t, "deploy/jobcrawl.service")
	for _, want := range []string{"\nExecStart=/usr/local/bin/jobcrawl daemon ", "\nRestart=on-failure\n", "\nNoNewPrivileges=yes\n",
		"\nProtectSystem=strict\n", "\nCapabilityBoundingSet=\n", "\nUser=jobcrawl\n", "\nStateDirectory=jobcrawl\n"} {
		if !strings.Contains(unit, want) {
			t.Errorf("deploy/jobcrawl.service lacks %q", strings.TrimSpace(want))
		}
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("needs systemd-analyze to verify the unit")
	}
	exe, err := os.Executable() // an executable to stand for the installed binary
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "jobcrawl.service")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(unit, "/usr/local/bin/jobcrawl", exe)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(analyze, "verify", path).CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestContainerFiles: the Dockerfile builds a static binary in one stage
// and runs it as a non-root user with a data volume and a health check
// that jobcrawl answers; compose.yaml starts it with Meilisearch and a
// configuration that loads. With a Docker daemon at hand, the image is
// built.
func TestContainerFiles(t *testing.T) {
	df := repoFile(t, "Dockerfile")
	if n := strings.Count(df, "\nFROM "); n < 2 {
		t.Errorf("Dockerfile: %d stages, want a build stage and a runtime stage", n)
	}
	for _, want := range []string{"CGO_ENABLED=0", "\nUSER 65532:65532\n", "\nVOLUME [\"/data\"]\n", "\nHEALTHCHECK ", `"healthcheck"`} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", strings.TrimSpace(want))
		}
	}

	var compose struct {
		Services map[string]struct {
			Image       string   `yaml:"image"`
			Command     []string `yaml:"command"`
			Environment map[string]string
			Volumes     []string `yaml:"volumes"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal([]byte(repoFile(t, "compose.yaml")), &compose); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	jc, meili := compose.Services["jobcrawl"], compose.Services["meilisearch"]
	if !strings.HasPrefix(meili.Image, "getmeili/meilisearch:") || len(jc.Command) == 0 || jc.Command[0] != "daemon" {
		t.Fatalf("compose.yaml services: %+v", compose.Services)
	}
	var cfgFile string
	for _, v := range jc.Volumes {
		if src, dst, _ := strings.Cut(v, ":"); strings.HasPrefix(dst, "/etc/jobcrawl/config.yaml") {
			cfgFile = src
		}
	}
	if cfgFile == "" {
		t.Fatalf("compose.yaml mounts no config file: %v", jc.Volumes)
	}
	cfg, err := loadConfig(filepath.Join("..", "..", cfgFile))
	if err != nil {
		t.Fatalf("%s: %v", cfgFile, err)
	}
	if cfg.Index.Backend != "meilisearch" || cfg.Index.Meilisearch.URL != "http://meilisearch:7700" || cfg.DataDir != "/data" ||
		!strings.HasPrefix(cfg.Daemon.Listen, "0.0.0.0:") {
		t.Errorf("%s: backend %s at %s, data %s, listen %s", cfgFile, cfg.Index.Backend, cfg.Index.Meilisearch.URL, cfg.DataDir, cfg.Daemon.Listen)
	}

	docker, err := exec.LookPath("docker")
	if err != nil {
		t.Skip("needs docker to build the image")
	}
	if err := exec.Command(docker, "info").Run(); err != nil {
		t.Skip("needs a running Docker daemon to build the image")
	}
	if testing.Short() {
		t.Skip("-short: not building the image")
	}
	if out, err := exec.Command(docker, "build", "-q", "-t", "jobcrawl:test", "../..").CombinedOutput(); err != nil {
		t.Errorf("docker build: %v\n%s", err, out)
	}
}
