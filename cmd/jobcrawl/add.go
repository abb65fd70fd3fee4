package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/onboard"
)

func runAdd(ctx context.Context, e *env, args []string) error {
	flags := e.newFlagSet("add", "URL [--write] [--json] [--name NAME] [--company NAME] [--schedule CRON]",
		"Looks at a careers URL and prints a site block for config.yaml. It recognises the boards\n"+
			"of Greenhouse, Lever, Ashby, SmartRecruiters, Workday and Eightfold from their URL (no\n"+
			"request made) or from a careers page that embeds or links to one. Given a page that lists\n"+
			"postings, it finds the links to them and the next-page control (or the JSON endpoint a\n"+
			"\"load more\" button reads), fetches a few postings, and prints the block with what each\n"+
			"sample gave and a confidence for each choice. Given a posting's page with schema.org\n"+
			"JobPosting data, it proposes the site's sitemap, filtered to URLs like it.\n\n"+
			"--write appends the block to the configuration file (created if missing), after checking\n"+
			"that the file with it still validates. --json prints the suggestion for tools. Nothing\n"+
			"found: exit code 1 and why.")
	write := flags.Bool("write", false, "append the block to the --config file")
	asJSON := flags.Bool("json", false, "print the suggestion (block, choices, samples) as JSON")
	name := flags.String("name", "", "the site's name (default: from the board)")
	company := flags.String("company", "", "the company's name (default: from the board or the posting)")
	schedule := flags.String("schedule", "@daily", "when the daemon re-crawls the site (cron syntax)")
	timeout := flags.Duration("timeout", 30*time.Second, "for each request made to recognise the URL")
	pos, err := e.parse(flags, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("add takes one URL (got %d arguments)", len(pos))
	}
	ua := crawler.DefaultUserAgent
	if cfg, err := loadConfigOrDefault(e.configPath); err == nil && cfg.UserAgent != "" {
		ua = cfg.UserAgent
	}
	sug, err := onboard.Suggest(ctx, pos[0], onboard.Options{UserAgent: ua, Timeout: *timeout})
	if err != nil {
		if *asJSON {
			out := map[string]any{"recognised": false, "error": err.Error()}
			var nf *onboard.NotFoundError
			if errors.As(err, &nf) {
				out["reason"] = nf.Reason
			}
			printJSON(e, out)
		}
		if errors.Is(err, onboard.ErrNotRecognized) {
			return errQuietf(exitSiteFailed, e, "jobcrawl add: %v", err)
		}
		return err
	}
	s := sug.Site
	if *name != "" {
		s.Name = *name
	}
	if *company != "" {
		s.Company = *company
	}
	s.Schedule = *schedule
	if err := s.Validate(); err != nil {
		return usagef("the proposed site: %v", err)
	}
	block := onboard.Block(s, sug, pos[0])
	show := func() {
		if *asJSON {
			sug.Site = s
			printJSON(e, struct {
				Recognised bool `json:"recognised"`
				onboard.Suggestion
				Block string `json:"block"`
			}{true, sug, block})
			return
		}
		fmt.Fprint(e.stdout, block+onboard.Report(sug))
	}

	if !*write {
		show()
		return nil
	}
	path := e.configPath
	old, err := os.ReadFile(path)
	mode := fileMode(path)
	if errors.Is(err, os.ErrNotExist) {
		old, err = nil, nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	updated, err := appendSite(old, block)
	if err != nil {
		show()
		return fmt.Errorf("%s: %w; paste the block above under sites: yourself", path, err)
	}
	if _, err := parseConfig(path, updated); err != nil {
		show()
		return err
	}
	if err := writeFileAtomic(path, updated, mode); err != nil {
		return err
	}
	show()
	fmt.Fprintf(e.stderr, "jobcrawl: added site %s to %s; crawl it with: jobcrawl crawl --config %s --site %s\n", s.Name, path, path, s.Name)
	return nil
}

func errQuietf(code int, e *env, format string, args ...any) error {
	fmt.Fprintf(e.stderr, format+"\n", args...)
	return errQuiet{code}
}

// appendSite appends a site block to a configuration's sites list. It
// appends text rather than re-encoding the file, so the file's comments
// and layout stay as they are; that needs sites to be the file's last key
// (as in the example config.yaml), or absent.
func appendSite(old []byte, block string) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(old, &doc); err != nil {
		return nil, fmt.Errorf("not YAML: %w", err)
	}
	out := bytes.TrimRight(old, " \t\n")
	if len(out) > 0 {
		out = append(out, '\n')
	}
	if len(doc.Content) == 0 {
		return append(out, []byte("sites:\n"+block)...), nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, errors.New("the configuration is not a mapping of keys")
	}
	idx := -1
	for i := 0; i < len(root.Content); i += 2 {
		if root.Content[i].Value == "sites" {
			idx = i
		}
	}
	if idx < 0 {
		return append(out, []byte("\nsites:\n"+block)...), nil
	}
	if idx != len(root.Content)-2 {
		return nil, errors.New("sites is not the file's last key")
	}
	val := root.Content[idx+1]
	switch {
	case val.Kind == yaml.ScalarNode && val.Tag == "!!null":
	case val.Kind == yaml.SequenceNode && val.Style&yaml.FlowStyle == 0:
		if len(val.Content) > 0 {
			// indent the block as the list's items are: "  - name" or "- name"
			dash := val.Content[0].Column - 3
			if dash != 2 && dash >= 0 {
				block = reindent(block, dash-2)
			}
			block = "\n" + block
		}
	default:
		return nil, errors.New("sites is not a list jobcrawl can append to (sites: [] or a flow list)")
	}
	return append(out, []byte(block)...), nil
}

// reindent moves every line of block by delta columns.
func reindent(block string, delta int) string {
	lines := strings.SplitAfter(block, "\n")
	for i, l := range lines {
		if l == "" {
			continue
		}
		if delta > 0 {
			lines[i] = strings.Repeat(" ", delta) + l
		} else {
			lines[i] = l[min(-delta, len(l)-len(strings.TrimLeft(l, " "))):]
		}
	}
	return strings.Join(lines, "")
}

func fileMode(path string) fs.FileMode {
	if st, err := os.Stat(path); err == nil {
		return st.Mode().Perm()
	}
	return 0o644
}

// writeFileAtomic replaces path with data through a temporary file in the
// same directory, so a crash leaves the old file or the new one.
func writeFileAtomic(path string, data []byte, mode fs.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".config-*.yaml")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// printJSON writes v to stdout as indented JSON.
func printJSON(e *env, v any) {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
