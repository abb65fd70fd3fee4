package crawler

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/andybalholm/cascadia"
	"go.yaml.in/yaml/v3"

	"github.com/jobcrawl/jobcrawl/crawler/fetch"
)

// Render has a site's pages rendered in headless Chromium before they are
// read, for sites whose result pages (or postings) are built by
// JavaScript. config.yaml writes it as
//
//	render: browser                    # every page of the site
//	render: {pages: results, wait: "a.job", timeout: 20s}
//
// The browser fetches nothing itself: every request a page makes goes
// through the run's fetcher, with the site's politeness (see
// fetch/render.go). One browser serves the run, with as many tabs as the
// site's parallelism, and is closed when the run ends.
type Render struct {
	// Pages are the pages rendered: results (result pages), postings
	// (posting pages) or all ("": all).
	Pages string `yaml:"pages" json:"pages,omitempty"`
	// Wait is a CSS selector a rendered page is read once it shows; ""
	// reads it once its requests have been quiet for half a second.
	Wait string `yaml:"wait" json:"wait,omitempty"`
	// Timeout bounds one page's render (0: the site's limits.timeout).
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty"`
}

// The pages Render.Pages may name.
const (
	RenderResults  = "results"
	RenderPostings = "postings"
	RenderAll      = "all"
)

// renderKeys are the keys of render's mapping form.
var renderKeys = []string{"pages", "wait", "timeout"}

// plainRender is Render without its methods, to decode and encode the
// mapping form.
type plainRender Render

// UnmarshalYAML reads "browser" or a mapping of pages, wait and timeout.
func (r *Render) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if strings.TrimSpace(n.Value) != "browser" {
			return fmt.Errorf("line %d: render: %q is not browser (or a mapping of %s)", n.Line, renderClip(n.Value), strings.Join(renderKeys, ", "))
		}
		*r = Render{Pages: RenderAll}
		return nil
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i].Value; !slices.Contains(renderKeys, k) {
				return fmt.Errorf("line %d: render: unknown key %q (known keys: %s)", n.Content[i].Line, renderClip(k), strings.Join(renderKeys, ", "))
			}
		}
		var p plainRender
		if err := n.Decode(&p); err != nil {
			return err
		}
		*r = Render(p)
		return nil
	}
	return fmt.Errorf("line %d: render: want browser or a mapping of %s", n.Line, strings.Join(renderKeys, ", "))
}

// MarshalYAML writes "browser" for every page with the defaults, else the
// mapping.
func (r Render) MarshalYAML() (any, error) {
	if (r.Pages == "" || r.Pages == RenderAll) && r.Wait == "" && r.Timeout == 0 {
		return "browser", nil
	}
	return plainRender(r), nil
}

// clip shortens a value quoted in an error.
func renderClip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// validateRender checks the site's render settings.
func (s *Site) validateRender(p *problems) {
	r := s.Render
	if r == nil {
		return
	}
	switch r.Pages {
	case "":
		r.Pages = RenderAll
	case RenderResults, RenderPostings, RenderAll:
	default:
		p.add("render.pages", "%q is not results, postings or all", renderClip(r.Pages))
	}
	if r.Wait != "" {
		if _, err := cascadia.Parse(r.Wait); err != nil {
			p.add("render.wait", "%q is not a CSS selector: %v", renderClip(r.Wait), err)
		}
	}
	if r.Timeout < 0 {
		p.add("render.timeout", "%s is negative", r.Timeout)
	}
	switch src := s.source(); {
	case src == SourceJSON || src == SourcePlatform:
		p.add("render", "renders HTML pages; a site with source: %s reads an API", src)
	case src == SourceSitemap && r.Pages == RenderResults:
		p.add("render.pages", "results: a sitemap site has no result pages (use postings)")
	}
}

// renders says how to render a page of kind, or nil when it is fetched
// as it comes.
func (s *Site) renders(k kind) *fetch.Render {
	r := s.Render
	if r == nil {
		return nil
	}
	switch {
	case r.Pages == RenderResults && k != kindList, r.Pages == RenderPostings && k != kindDetail:
		return nil
	}
	timeout := time.Duration(r.Timeout)
	if timeout <= 0 {
		timeout = time.Duration(s.Limits.Timeout)
	}
	return &fetch.Render{Wait: r.Wait, Timeout: timeout}
}

// startBrowser starts the run's browser when the site renders pages (nil
// otherwise): one Chromium, as many tabs as the site's parallelism. A
// missing Chromium is an error wrapping fetch.ErrNoChromium.
func (r *run) startBrowser(ctx context.Context) (*fetch.Browser, error) {
	if r.site.Render == nil {
		return nil, nil
	}
	b, err := fetch.NewBrowser(ctx, fetch.BrowserConfig{Tabs: max(r.site.Limits.Parallelism, 1), Logger: r.log})
	if err != nil {
		return nil, fmt.Errorf("site %s: %w", r.site.Name, err)
	}
	return b, nil
}
