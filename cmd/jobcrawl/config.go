package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/daemon"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
	"github.com/jobcrawl/jobcrawl/index/meili"
	"github.com/jobcrawl/jobcrawl/web"
)

// Config is config.yaml.
type Config struct {
	// DataDir holds the embedded index. A relative path is relative to the
	// configuration file's directory.
	DataDir string      `yaml:"data_dir"`
	Index   IndexConfig `yaml:"index"`
	// UserAgent is sent with every request unless a site sets its own.
	UserAgent string `yaml:"user_agent"`
	// MaxConcurrentSites caps how many sites crawl at once.
	MaxConcurrentSites int `yaml:"max_concurrent_sites"`
	// MaxCloseShare is the largest share of a site's open postings one run
	// may close (the mass-close guard).
	MaxCloseShare float64 `yaml:"max_close_share"`
	// ClosedRetention is how long a closed posting stays searchable (with
	// status closed) before a complete run of its site deletes it; 0 keeps
	// closed postings.
	ClosedRetention crawler.Duration `yaml:"closed_retention"`
	Daemon          DaemonConfig     `yaml:"daemon"`
	Search          SearchConfig     `yaml:"search"`
	Sites           []crawler.Site   `yaml:"sites"`

	path string // where it was read from
}

// IndexConfig chooses and configures the index backend.
type IndexConfig struct {
	Backend     string      `yaml:"backend"` // embedded (default) or meilisearch
	Meilisearch MeiliConfig `yaml:"meilisearch"`
}

// defaultClosedRetention is closed_retention when the file does not set it.
const defaultClosedRetention = crawler.Duration(90 * 24 * time.Hour)

// DaemonConfig configures `jobcrawl daemon`; the sites' schedules are in
// sites[].schedule.
type DaemonConfig struct {
	// Listen is the HTTP address of the API and the search page.
	Listen string `yaml:"listen"`
	// StopTimeout bounds a graceful stop: runs cancelled and their findings
	// written, HTTP requests drained.
	StopTimeout crawler.Duration `yaml:"stop_timeout"`
}

// Defaults of the daemon section.
const (
	defaultListen      = "127.0.0.1:7800"
	defaultStopTimeout = crawler.Duration(10 * time.Second)
)

// SearchConfig bounds the daemon's searches (GET /api/search and the
// search page); see web.SearchLimits. Validate fills what the file leaves
// out (or sets to 0) with web's defaults.
type SearchConfig struct {
	// MaxConcurrent is how many searches run at once (default: 2 ×
	// GOMAXPROCS, at least 4).
	MaxConcurrent int `yaml:"max_concurrent"`
	// Queue is how many more may wait for a slot (default: 2 ×
	// max_concurrent); beyond it a search is answered 503 with Retry-After.
	Queue int `yaml:"queue"`
	// QueueTimeout is how long one may wait for a slot (default 2s).
	QueueTimeout crawler.Duration `yaml:"queue_timeout"`
	// MaxLimit is the largest page of hits a search may ask for (default
	// 100, 1 to index.MaxLimit).
	MaxLimit int `yaml:"max_limit"`
}

// limits is the configuration as the web server takes it.
func (s SearchConfig) limits() web.SearchLimits {
	return web.SearchLimits{MaxConcurrent: s.MaxConcurrent, Queue: s.Queue, QueueTimeout: time.Duration(s.QueueTimeout),
		MaxLimit: s.MaxLimit}
}

// validate checks search and fills its defaults; its errors name the key.
func (s *SearchConfig) validate() error {
	switch {
	case s.MaxConcurrent < 0:
		return fmt.Errorf("search.max_concurrent: %d is negative", s.MaxConcurrent)
	case s.Queue < 0:
		return fmt.Errorf("search.queue: %d is negative", s.Queue)
	case s.QueueTimeout < 0:
		return fmt.Errorf("search.queue_timeout: %s is negative", s.QueueTimeout)
	case s.MaxLimit < 0 || s.MaxLimit > index.MaxLimit:
		return fmt.Errorf("search.max_limit: %d is not between 1 and %d", s.MaxLimit, index.MaxLimit)
	}
	l := s.limits().WithDefaults()
	s.MaxConcurrent, s.Queue, s.QueueTimeout, s.MaxLimit = l.MaxConcurrent, l.Queue, crawler.Duration(l.QueueTimeout), l.MaxLimit
	return nil
}

// MeiliConfig is index.meilisearch: the server the meilisearch backend
// uses. The API key is not in the file: it is read from the environment
// variable APIKeyEnv names, and never printed.
type MeiliConfig struct {
	URL               string           `yaml:"url"`          // MEILI_URL overrides it
	Index             string           `yaml:"index"`        // the index uid
	APIKeyEnv         string           `yaml:"api_key_env"`  // the variable holding the API key
	BatchSize         int              `yaml:"batch_size"`   // records per write request
	Timeout           crawler.Duration `yaml:"timeout"`      // one HTTP request
	TaskTimeout       crawler.Duration `yaml:"task_timeout"` // waiting for one write to be applied
	MaxRetries        int              `yaml:"max_retries"`  // further attempts after 429/502/503/504
	MaxValuesPerFacet int              `yaml:"max_values_per_facet"`
	MaxTotalHits      int              `yaml:"max_total_hits"`

	apiKey     string // from the environment
	urlFromEnv bool   // URL came from MEILI_URL
}

// meiliURLEnv overrides index.meilisearch.url.
const meiliURLEnv = "MEILI_URL"

// defaultConfig is what an empty file means.
func defaultConfig() Config {
	return Config{DataDir: "./data", Index: IndexConfig{Backend: "embedded", Meilisearch: MeiliConfig{
		URL: "http://127.0.0.1:7700", Index: "jobs", APIKeyEnv: "MEILI_MASTER_KEY", BatchSize: meili.DefaultBatchSize,
		Timeout: crawler.Duration(meili.DefaultTimeout), TaskTimeout: crawler.Duration(meili.DefaultTaskTimeout), MaxRetries: 4,
		MaxValuesPerFacet: meili.DefaultMaxValuesPerFacet, MaxTotalHits: meili.DefaultMaxTotalHits,
	}}, MaxConcurrentSites: 4, MaxCloseShare: crawler.DefaultMaxCloseShare, ClosedRetention: defaultClosedRetention,
		Daemon: DaemonConfig{Listen: defaultListen, StopTimeout: defaultStopTimeout}}
}

// applyEnv takes what the environment overrides: MEILI_URL, and the API
// key from the variable index.meilisearch.api_key_env names.
func (c *Config) applyEnv(getenv func(string) string) {
	m := &c.Index.Meilisearch
	if u := getenv(meiliURLEnv); u != "" {
		m.URL, m.urlFromEnv = u, true
	}
	if envNameRe.MatchString(m.APIKeyEnv) {
		m.apiKey = getenv(m.APIKeyEnv)
	}
}

var yamlLine = regexp.MustCompile(`line (\d+): field (\S+) not found in type \S+`)

// loadConfig reads and validates the file at path.
func loadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, usagef("config %s: not found (pass --config FILE, or copy the example config.yaml)", path)
		}
		return nil, usagef("config: %v", err)
	}
	return parseConfig(path, b)
}

// loadConfigOrDefault is loadConfig, except that a missing file at the
// default path means the defaults (commands that need no site, like search,
// then work on ./data).
func loadConfigOrDefault(path string) (*Config, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && path == defaultConfigPath {
		cfg := defaultConfig()
		cfg.applyEnv(os.Getenv)
		return &cfg, nil
	}
	return loadConfig(path)
}

const defaultConfigPath = "config.yaml"

func parseConfig(path string, b []byte) (*Config, error) {
	cfg := defaultConfig()
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		msg := yamlLine.ReplaceAllString(err.Error(), "line $1: unknown key $2")
		msg = strings.TrimPrefix(strings.ReplaceAll(msg, "yaml: unmarshal errors:\n  ", ""), "yaml: ")
		return nil, usagef("config %s: %s", path, msg)
	}
	cfg.path = path
	cfg.applyEnv(os.Getenv)
	if err := cfg.Validate(); err != nil {
		return nil, usagef("config %s: %v", path, err)
	}
	return &cfg, nil
}

// Validate checks the configuration and fills its defaults. Its error names
// the offending key ("sites[1].pagination: set next or page_param").
func (c *Config) Validate() error {
	if strings.TrimSpace(c.DataDir) == "" {
		return errors.New("data_dir: must not be empty")
	}
	switch c.Index.Backend {
	case "", "embedded":
		c.Index.Backend = "embedded"
	case "meilisearch":
		if err := c.Index.Meilisearch.validate(); err != nil {
			return err
		}
	default:
		return fmt.Errorf("index.backend: %q is not embedded or meilisearch", c.Index.Backend)
	}
	if c.MaxConcurrentSites < 0 {
		return fmt.Errorf("max_concurrent_sites: %d is negative", c.MaxConcurrentSites)
	}
	if c.MaxConcurrentSites == 0 {
		c.MaxConcurrentSites = 4
	}
	if c.MaxCloseShare < 0 || c.MaxCloseShare > 1 {
		return fmt.Errorf("max_close_share: %v is not between 0 and 1", c.MaxCloseShare)
	}
	if c.Daemon.Listen == "" {
		c.Daemon.Listen = defaultListen
	}
	if _, port, err := net.SplitHostPort(c.Daemon.Listen); err != nil || port == "" {
		return fmt.Errorf("daemon.listen: %q is not host:port (like 127.0.0.1:7800)", c.Daemon.Listen)
	}
	switch {
	case c.Daemon.StopTimeout < 0:
		return fmt.Errorf("daemon.stop_timeout: %s is negative", c.Daemon.StopTimeout)
	case c.Daemon.StopTimeout == 0:
		c.Daemon.StopTimeout = defaultStopTimeout
	}
	if c.ClosedRetention < 0 {
		return fmt.Errorf("closed_retention: %s is negative", c.ClosedRetention)
	}
	if err := c.Search.validate(); err != nil {
		return err
	}
	names := map[string]int{}
	for i := range c.Sites {
		s := &c.Sites[i]
		if err := s.Validate(); err != nil {
			if s.Name != "" {
				return fmt.Errorf("sites[%d].%v (site %s)", i, err, s.Name)
			}
			return fmt.Errorf("sites[%d].%v", i, err)
		}
		if _, err := daemon.ParseSchedule(s.Schedule, s.Timezone); err != nil {
			return fmt.Errorf("sites[%d].schedule: %v (site %s)", i, err, s.Name)
		}
		if j, dup := names[s.Name]; dup {
			return fmt.Errorf("sites[%d].name: %q is already the name of sites[%d]", i, s.Name, j)
		}
		names[s.Name] = i
	}
	return nil
}

var (
	envNameRe  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	indexUIDRe = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,400}$`)
)

// validate checks index.meilisearch; its errors name the key (or MEILI_URL).
func (m *MeiliConfig) validate() error {
	urlKey := "index.meilisearch.url"
	if m.urlFromEnv {
		urlKey = meiliURLEnv + " (overriding index.meilisearch.url)"
	}
	u, err := url.Parse(m.URL)
	switch {
	case strings.TrimSpace(m.URL) == "":
		return fmt.Errorf("%s: must be set, e.g. http://127.0.0.1:7700", urlKey)
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("%s: %q is not an http:// or https:// URL", urlKey, redactedURL(m.URL))
	case !indexUIDRe.MatchString(m.Index):
		return fmt.Errorf("index.meilisearch.index: %q: use 1 to 400 of a-z A-Z 0-9 - _", m.Index)
	case !envNameRe.MatchString(m.APIKeyEnv):
		return fmt.Errorf("index.meilisearch.api_key_env: %q is not an environment variable name (the key itself goes in that variable, not in this file)", m.APIKeyEnv)
	case m.BatchSize < 1:
		return fmt.Errorf("index.meilisearch.batch_size: %d: must be at least 1", m.BatchSize)
	case m.Timeout <= 0:
		return fmt.Errorf("index.meilisearch.timeout: %s: must be positive", time.Duration(m.Timeout))
	case m.TaskTimeout <= 0:
		return fmt.Errorf("index.meilisearch.task_timeout: %s: must be positive", time.Duration(m.TaskTimeout))
	case m.MaxRetries < 0:
		return fmt.Errorf("index.meilisearch.max_retries: %d is negative", m.MaxRetries)
	case m.MaxValuesPerFacet < 1:
		return fmt.Errorf("index.meilisearch.max_values_per_facet: %d: must be at least 1", m.MaxValuesPerFacet)
	case m.MaxTotalHits < 1:
		return fmt.Errorf("index.meilisearch.max_total_hits: %d: must be at least 1", m.MaxTotalHits)
	}
	return nil
}

// redactedURL hides a password in a URL's user info.
func redactedURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		return u.Redacted()
	}
	return s
}

// dataDir is DataDir resolved against the configuration file's directory.
func (c *Config) dataDir() string {
	if filepath.IsAbs(c.DataDir) || c.path == "" {
		return c.DataDir
	}
	return filepath.Join(filepath.Dir(c.path), c.DataDir)
}

// site returns the named site.
func (c *Config) site(name string) (*crawler.Site, bool) {
	for i := range c.Sites {
		if c.Sites[i].Name == name {
			return &c.Sites[i], true
		}
	}
	return nil, false
}

// openIndex opens the configured backend.
func openIndex(c *Config) (index.Index, error) {
	switch c.Index.Backend {
	case "embedded":
		ix, err := embedded.Open(c.dataDir())
		if err != nil {
			return nil, err
		}
		return ix, nil
	case "meilisearch":
		m := c.Index.Meilisearch
		ix, err := meili.Open(meili.Config{URL: m.URL, Index: m.Index, APIKey: m.apiKey, KeySource: "$" + m.APIKeyEnv,
			BatchSize: m.BatchSize, Timeout: time.Duration(m.Timeout), TaskTimeout: time.Duration(m.TaskTimeout),
			MaxRetries: m.MaxRetries, MaxValuesPerFacet: m.MaxValuesPerFacet, MaxTotalHits: m.MaxTotalHits})
		if err != nil {
			return nil, err
		}
		return ix, nil
	}
	return nil, fmt.Errorf("index.backend %q: not available", c.Index.Backend)
}
