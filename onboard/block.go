package onboard

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/jobcrawl/jobcrawl/crawler"
)

// Block renders a site as an item of config.yaml's sites list (indented
// for "sites:"), with how it was found and what to check as comments. It
// is the text `jobcrawl add` prints and --write appends; parsed back, it
// is the site s.
func Block(s crawler.Site, sug Suggestion, from string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  # %s: %s, found by jobcrawl add from %s\n", s.Name, oneLine(sug.How), oneLine(from))
	for _, n := range sug.Notes {
		fmt.Fprintf(&b, "  # NOTE: %s\n", oneLine(n))
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
	case s.Source == crawler.SourceJSON && s.JSON != nil:
		j := s.JSON
		line("    ", "source", s.Source)
		b.WriteString("    json:\n")
		line("      ", "url", j.URL)
		if j.Items != "" {
			line("      ", "items", j.Items)
		}
		if p := j.Paging; p.Style != "" && p.Style != "none" {
			b.WriteString("      paging:\n")
			line("        ", "style", p.Style)
			if p.Limit > 0 {
				line("        ", "limit", p.Limit)
			}
			if p.Total != "" {
				line("        ", "total", p.Total)
			}
			if p.Next != "" {
				line("        ", "next", p.Next)
			}
		}
		b.WriteString("      fields:\n")
		for _, f := range sortedKeys(j.Fields) {
			line("        ", f, j.Fields[f])
		}
	default:
		line("    ", "start_urls", s.StartURLs)
		line("    ", "job_links", s.JobLinks)
		b.WriteString("    pagination:\n")
		p := s.Pagination
		switch {
		case p.Next != "":
			line("      ", "next", p.Next)
		case p.PageParam != "":
			line("      ", "page_param", p.PageParam)
		case p.OffsetParam != "":
			line("      ", "offset_param", p.OffsetParam)
			if p.OffsetStep > 0 {
				line("      ", "offset_step", p.OffsetStep)
			}
		}
	}
	if len(s.Fields) > 0 {
		b.WriteString("    fields:\n")
		names := make([]string, 0, len(s.Fields))
		for f := range s.Fields {
			names = append(names, f)
		}
		sort.Strings(names)
		for _, f := range names {
			r := s.Fields[f]
			fmt.Fprintf(&b, "      %s:\n", f)
			for _, kv := range [][2]string{{"selector", r.Selector}, {"attr", r.Attr}, {"label", r.Label}, {"regex", r.Regex}} {
				if kv[1] != "" {
					line("        ", kv[0], kv[1])
				}
			}
		}
	}
	return b.String()
}

// Report renders a suggestion's choices, field coverage and samples as
// YAML comments, to print after its block.
func Report(sug Suggestion) string {
	if len(sug.Choices) == 0 && len(sug.Samples) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("  # confidence (0-1) of each choice:\n")
	for _, c := range sug.Choices {
		fmt.Fprintf(&b, "  #   %-18s %.2f  %s: %s\n", c.Key, c.Confidence, oneLine(shorten(c.Value, 70)), oneLine(c.Reason))
	}
	if len(sug.Coverage) > 0 {
		b.WriteString("  # fields over the samples:\n")
		for _, c := range sug.Coverage {
			fmt.Fprintf(&b, "  #   %-18s %.2f  %s\n", c.Key, c.Confidence, oneLine(c.Reason))
		}
	}
	for i, s := range sug.Samples {
		fmt.Fprintf(&b, "  # sample %d: %s\n", i+1, oneLine(s.URL))
		if s.Error != "" {
			fmt.Fprintf(&b, "  #   (%s)\n", oneLine(s.Error))
		}
		for _, f := range SampleFields {
			if v := s.Fields[f]; v != "" {
				fmt.Fprintf(&b, "  #   %-16s %s\n", f+":", oneLine(shorten(v, 90)))
			}
		}
	}
	return b.String()
}

// oneLine keeps a comment on its line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func sortedKeys[V any](m map[string]V) []string {
	// job_number and title first, as a reader looks for them
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	rank := func(k string) int {
		switch k {
		case "job_number":
			return 0
		case "title":
			return 1
		}
		return 2
	}
	sort.Slice(keys, func(i, j int) bool {
		if rank(keys[i]) != rank(keys[j]) {
			return rank(keys[i]) < rank(keys[j])
		}
		return keys[i] < keys[j]
	})
	return keys
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
