// Package jobsite runs ../shared/jobsite, the synthetic careers site, for
// the benchmark programs under bench/, and reads its ground truth.
package jobsite

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// Build compiles the jobsite module in srcDir into the binary out.
func Build(srcDir, out string) error {
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Dir, cmd.Stderr = srcDir, os.Stderr
	return cmd.Run()
}

// Start runs the jobsite binary with args (give it -addr 127.0.0.1:0) and
// returns the base URL it serves at; stop ends it.
func Start(bin string, args []string) (base string, stop func(), err error) {
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop = func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if _, url, found := strings.Cut(sc.Text(), " at "); found && strings.HasPrefix(url, "http://") {
			go io.Copy(io.Discard, stdout)
			return strings.TrimSpace(url), stop, nil
		}
	}
	stop()
	return "", nil, errors.New("jobsite did not say where it listens")
}

// Job is a "job" line of jobsite's truth file: what the site says of one
// unique job.
type Job struct {
	Type           string   `json:"type"`
	JobNumber      string   `json:"job_number"`
	Title          string   `json:"title"`
	Locations      []string `json:"locations"`
	JobFamily      string   `json:"job_family"`
	Team           string   `json:"team"`
	Qualifications []string `json:"qualifications"`
	Description    string   `json:"description"`
}

// ReadTruth reads the truth file jobsite's -truth flag wrote: its jobs by
// job number.
func ReadTruth(path string) (map[string]Job, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]Job{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var j Job
		if err := json.Unmarshal(sc.Bytes(), &j); err != nil {
			return nil, err
		}
		if j.Type == "job" {
			out[j.JobNumber] = j
		}
	}
	return out, sc.Err()
}
