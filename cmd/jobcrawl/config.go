package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
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
	Sites           []crawler.Site   `yaml:"sites"`

	path string // where it was read from
}

// IndexConfig chooses and configures the index backend.
type IndexConfig struct {
	Backend string `yaml:"backend"` // embedded (default) or meilisearch
}

// defaultClosedRetention is closed_retention when the file does not set it.
const defaultClosedRetention = crawler.Duration(90 * 24 * time.Hour)

// defaultConfig is what an empty file means.
func defaultConfig() Config {
	return Config{DataDir: "./data", Index: IndexConfig{Backend: "embedded"}, MaxConcurrentSites: 4,
		MaxCloseShare: crawler.DefaultMaxCloseShare, ClosedRetention: defaultClosedRetention}
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
		return errors.New("index.backend: meilisearch is not available in this build")
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
	if c.ClosedRetention < 0 {
		return fmt.Errorf("closed_retention: %s is negative", c.ClosedRetention)
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
		if j, dup := names[s.Name]; dup {
			return fmt.Errorf("sites[%d].name: %q is already the name of sites[%d]", i, s.Name, j)
		}
		names[s.Name] = i
	}
	return nil
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
	}
	return nil, fmt.Errorf("index.backend %q: not available", c.Index.Backend)
}
