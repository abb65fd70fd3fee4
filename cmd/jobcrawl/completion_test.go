package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompletionBash loads the bash script into a real bash and asks it
// to complete a command, a flag and a flag's value.
func TestCompletionBash(t *testing.T) {
	code, script, errOut := jobcrawl(t, "completion", "bash")
	if code != exitOK {
		t.Fatalf("completion bash: exit %d\n%s", code, errOut)
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("needs bash on PATH to load the completion script")
	}
	path := filepath.Join(t.TempDir(), "jobcrawl.bash")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	complete := func(words ...string) string {
		t.Helper()
		line := `source "$1"; COMP_WORDS=(` + strings.Join(words, " ") + `); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _jobcrawl; echo "${COMPREPLY[*]}"`
		out, err := exec.Command(bash, "-c", line, "bash", path).CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if got := complete("jobcrawl", "se"); got != "search searches" {
		t.Errorf("jobcrawl se<TAB>: %q", got)
	}
	if got := complete("jobcrawl", "search", "--fa"); got != "--facet" {
		t.Errorf("jobcrawl search --fa<TAB>: %q", got)
	}
	if got := complete("jobcrawl", "search", "--facet", "job_"); got != "job_family job_number" {
		t.Errorf("jobcrawl search --facet job_<TAB>: %q", got)
	}
	if got := complete("jobcrawl", "crawl", "--"); !strings.Contains(got, "--site") || strings.Contains(got, "--facet") {
		t.Errorf("jobcrawl crawl --<TAB>: %q", got)
	}
}

// TestCompletionScripts checks the zsh and fish scripts with their shells'
// syntax checkers when they are installed.
func TestCompletionScripts(t *testing.T) {
	for _, sh := range []string{"zsh", "fish"} {
		t.Run(sh, func(t *testing.T) {
			code, script, errOut := jobcrawl(t, "completion", sh)
			if code != exitOK || !strings.Contains(script, "search") || !strings.Contains(script, "job_family") {
				t.Fatalf("completion %s: exit %d\n%s%s", sh, code, errOut, script)
			}
			bin, err := exec.LookPath(sh)
			if err != nil {
				t.Skipf("needs %s on PATH to check the script's syntax", sh)
			}
			path := filepath.Join(t.TempDir(), "jobcrawl."+sh)
			if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(bin, "-n", path).CombinedOutput(); err != nil {
				t.Errorf("%s -n: %v\n%s", sh, err, out)
			}
			if sh != "fish" {
				return
			}
			out, err := exec.Command(bin, "-c", "source $argv[1]; complete -C 'jobcrawl search --facet job_'", path).CombinedOutput()
			if err != nil || !strings.HasPrefix(string(out), "job_family\tcount the values of field among") {
				t.Errorf("fish: jobcrawl search --facet job_<TAB>: %v\n%s", err, out)
			}
		})
	}
	if code, _, errOut := jobcrawl(t, "completion", "powershell"); code != exitUsage || !strings.Contains(errOut, "bash, zsh or fish") {
		t.Errorf("an unknown shell: exit %d, %q", code, errOut)
	}
}

// TestManualPages: every command's --help is a manual page with its
// options written --flag.
func TestManualPages(t *testing.T) {
	for _, c := range commands() {
		code, out, errOut := jobcrawl(t, c.name, "--help")
		if code != exitOK {
			t.Errorf("%s --help: exit %d\n%s", c.name, code, errOut)
			continue
		}
		for _, want := range []string{"NAME\n    jobcrawl " + c.name + " - ", "SYNOPSIS\n", "DESCRIPTION\n", "COMMON OPTIONS\n    --config FILE", "EXIT STATUS\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s --help lacks %q:\n%s", c.name, want, out)
			}
		}
	}
}
