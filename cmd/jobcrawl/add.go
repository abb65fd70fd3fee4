package main

import (
	"bytes"
	"context"
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
	flags := e.newFlagSet("add", "URL [--write] [--name NAME] [--company NAME] [--schedule CRON]",
		"Looks at a careers URL and prints a site block for config.yaml. It recognises the boards\n"+
			"of Greenhouse, Lever, Ashby, SmartRecruiters, Workday and Eightfold from their URL (no\n"+
			"request made) or from a careers page that embeds or links to one; given a posting's page\n"+
			"with schema.org JobPosting data, it proposes the site's sitemap, filtered to URLs like it.\n\n"+
			"--write appends the block to the configuration file (created if missing), after checking\n"+
			"that the file with it still validates.")
	write := flags.Bool("write", false, "append the block to the --config file")
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
	block := siteBlock(s, sug, pos[0])

	if !*write {
		fmt.Fprint(e.stdout, block)
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
		fmt.Fprint(e.stdout, block)
		return fmt.Errorf("%s: %w; paste the block above under sites: yourself", path, err)
	}
	if _, err := parseConfig(path, updated); err != nil {
		fmt.Fprint(e.stdout, block)
		return err
	}
	if err := writeFileAtomic(path, updated, mode); err != nil {
		return err
	}
	fmt.Fprint(e.stdout, block)
	fmt.Fprintf(e.stderr, "jobcrawl: added site %s to %s; crawl it with: jobcrawl crawl --config %s --site %s\n", s.Name, path, path, s.Name)
	return nil
}

func errQuietf(code int, e *env, format string, args ...any) error {
	fmt.Fprintf(e.stderr, format+"\n", args...)
	return errQuiet{code}
}

// siteBlock renders a site as an item of config.yaml's sites list, with
// how it was found and what to check as comments.
func siteBlock(s crawler.Site, sug onboard.Suggestion, from string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  # %s: %s, found by jobcrawl add from %s\n", s.Name, sug.How, from)
	for _, n := range sug.Notes {
		fmt.Fprintf(&b, "  # NOTE: %s\n", n)
	}
	line := func(indent, key string, v any) {
		fmt.Fprintf(&b, "%s%s: %s\n", indent, key, yamlScalar(v))
	}
	fmt.Fprintf(&b, "  - name: %s\n", yamlScalar(s.Name))
	if s.Company != "" {
		line("    ", "company", s.Company)
	}
	if s.Schedule != "" {
		line("    ", "schedule", s.Schedule)
	}
	switch {
	case s.Platform != "":
		line("    ", "platform", s.Platform)
		line("    ", "board", s.Board)
		if s.APIURL != "" {
			line("    ", "api_url", s.APIURL)
		}
	case s.Source == crawler.SourceSitemap:
		line("    ", "source", s.Source)
		b.WriteString("    sitemap:\n")
		if len(s.Sitemap.URLs) > 0 {
			line("      ", "urls", s.Sitemap.URLs)
		}
		if s.Sitemap.Match != "" {
			line("      ", "match", s.Sitemap.Match)
		}
	}
	return b.String()
}

// yamlScalar writes a value as YAML does on one line: quoted when needed.
func yamlScalar(v any) string {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	switch v := v.(type) {
	case []string:
		n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, s := range v {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: s, Style: yaml.DoubleQuotedStyle})
		}
		enc.Encode(n)
	default:
		enc.Encode(v)
	}
	enc.Close()
	return strings.TrimSpace(buf.String())
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
