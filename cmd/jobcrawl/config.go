package main

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/crawler/fetch"
	"github.com/jobcrawl/jobcrawl/daemon"
	"github.com/jobcrawl/jobcrawl/daemon/coord"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
	"github.com/jobcrawl/jobcrawl/index/meili"
	"github.com/jobcrawl/jobcrawl/index/words"
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
	// Coordination is how daemons sharing this file coordinate.
	Coordination CoordinationConfig `yaml:"coordination"`
	// Alerts keeps saved searches and delivers their webhooks.
	Alerts AlertsConfig `yaml:"alerts"`
	// Hosts are per-host request caps over every site and every daemon.
	Hosts []HostLimit    `yaml:"hosts"`
	Sites []crawler.Site `yaml:"sites"`

	path string // where it was read from
}

// IndexConfig chooses and configures the index backend.
type IndexConfig struct {
	Backend     string      `yaml:"backend"` // embedded (default) or meilisearch
	Meilisearch MeiliConfig `yaml:"meilisearch"`
}

// CoordinationConfig is coordination: local (one daemon, the default) or
// redis (several daemons sharing one configuration and one Meilisearch).
type CoordinationConfig struct {
	Backend string `yaml:"backend"` // local (default) or redis
	// URL is the Redis server: redis://[:password@]host:port[/db], or
	// rediss:// for TLS. REDIS_URL overrides it; REDIS_PASSWORD supplies a
	// password the URL does not carry.
	URL string `yaml:"url"`
	// Prefix starts every key jobcrawl writes (default "jobcrawl"):
	// separate deployments sharing one Redis use different prefixes.
	Prefix string `yaml:"prefix"`
	// LeaseTTL is how long a site's lease lives without renewal (renewed
	// every third of it): how soon another daemon takes over a site whose
	// daemon died.
	LeaseTTL crawler.Duration `yaml:"lease_ttl"`
}

// redisURLEnv overrides coordination.url.
const redisURLEnv = "REDIS_URL"

// validate checks coordination and fills its defaults.
func (c *CoordinationConfig) validate(errs *configErrors) {
	switch c.Backend {
	case "", "local":
		c.Backend = "local"
	case "redis":
		if strings.TrimSpace(c.URL) == "" {
			errs.add("coordination.url", "must be set with backend redis (redis://host:6379, or $%s)", redisURLEnv)
		} else if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
			errs.add("coordination.url", "%q is not a redis:// or rediss:// URL", coord.RedactURL(c.URL))
		}
	default:
		errs.add("coordination.backend", "%q is not local or redis", c.Backend)
	}
	if c.Prefix == "" {
		c.Prefix = "jobcrawl"
	}
	switch {
	case c.LeaseTTL == 0:
		c.LeaseTTL = crawler.Duration(coord.DefaultLeaseTTL)
	case c.LeaseTTL < crawler.Duration(time.Second):
		errs.add("coordination.lease_ttl", "%s is under 1s", c.LeaseTTL)
	}
}

// HostLimit caps the requests to one host over every site that asks it and
// every daemon sharing the coordination backend (several companies on one
// job-board host, say).
type HostLimit struct {
	Host string     `yaml:"host"` // host, or host:port
	Rate fetch.Rate `yaml:"rate"` // like 5/s
}

// hostRates are the hosts' caps as the crawler takes them.
func (c *Config) hostRates() map[string]fetch.Rate {
	out := make(map[string]fetch.Rate, len(c.Hosts))
	for _, h := range c.Hosts {
		out[strings.ToLower(strings.TrimSpace(h.Host))] = h.Rate
	}
	return out
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
func (s *SearchConfig) validate(errs *configErrors) {
	if s.MaxConcurrent < 0 {
		errs.add("search.max_concurrent", "%d is negative", s.MaxConcurrent)
	}
	if s.Queue < 0 {
		errs.add("search.queue", "%d is negative", s.Queue)
	}
	if s.QueueTimeout < 0 {
		errs.add("search.queue_timeout", "%s is negative", s.QueueTimeout)
	}
	if s.MaxLimit < 0 || s.MaxLimit > index.MaxLimit {
		errs.add("search.max_limit", "%d is not between 1 and %d", s.MaxLimit, index.MaxLimit)
	}
	l := s.limits().WithDefaults()
	s.MaxConcurrent, s.Queue, s.QueueTimeout, s.MaxLimit = l.MaxConcurrent, l.Queue, crawler.Duration(l.QueueTimeout), l.MaxLimit
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
	if u := getenv(redisURLEnv); u != "" {
		c.Coordination.URL = u
	}
	if envNameRe.MatchString(m.APIKeyEnv) {
		m.apiKey = getenv(m.APIKeyEnv)
	}
}

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

// parseConfig reads a configuration file's text and validates it. Its
// error (a usageError holding configErrors) lists every problem found,
// each with its key and line: unknown keys (with the key probably meant),
// values of the wrong type (with the type wanted), and what Validate finds.
func parseConfig(path string, b []byte) (*Config, error) {
	cfg := defaultConfig()
	cfg.path = path
	// Decoded as a node tree first, to keep the lines of keys, check every
	// key and type at once, and take a lone string for a list of them.
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, usageError{configErrors{syntaxError(path, err)}}
	}
	var root *yaml.Node
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 && !isNull(doc.Content[0]) {
		root = doc.Content[0]
	}
	var sc schemaCheck
	if root != nil && sc.check(root, reflect.TypeFor[Config](), "") {
		// What check left is known keys of the right types; an error now
		// is a case it does not know.
		if err := root.Decode(&cfg); err != nil {
			sc.errs = append(sc.errs, decodeErrors(err)...)
		}
	}
	cfg.applyEnv(os.Getenv)
	errs := sc.errs
	if err := cfg.Validate(); err != nil {
		var verrs configErrors
		if !errors.As(err, &verrs) {
			verrs = configErrors{{Msg: err.Error()}}
		}
		for _, e := range verrs {
			if !sc.covers(e.Key) { // else it only follows from a problem check reported
				e.Line = lineOf(root, e.Key)
				errs = append(errs, e)
			}
		}
	}
	if len(errs) > 0 {
		return nil, usageError{errs.in(path)}
	}
	return &cfg, nil
}

// configError is one problem with the configuration: where (the file and
// the line, when known), the key at fault, and what is wrong.
type configError struct {
	File string
	Line int    // 0: no line of the file (an environment variable, a key left out)
	Key  string // "sites[2].pagination.next"; "" for the file as a whole
	Msg  string
}

func (e configError) Error() string {
	var b strings.Builder
	switch {
	case e.File != "" && e.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	case e.File != "":
		b.WriteString(e.File + ": ")
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// configErrors is every problem found with a configuration. It prints one
// problem a line, like a compiler: config.yaml:14: sites[2].pagination.next: ...
type configErrors []configError

func (es configErrors) Error() string {
	if len(es) == 1 {
		return es[0].Error()
	}
	lines := make([]string, 0, len(es)+1)
	head := fmt.Sprintf("%d problems", len(es))
	if len(es) > 0 && es[0].File != "" {
		head = es[0].File + ": " + head
	}
	lines = append(lines, head+":")
	for _, e := range es {
		lines = append(lines, e.Error())
	}
	return strings.Join(lines, "\n")
}

func (es *configErrors) add(key, format string, args ...any) {
	*es = append(*es, configError{Key: key, Msg: fmt.Sprintf(format, args...)})
}

// in sets the file of every problem and sorts them by line (the ones with
// no line first).
func (es configErrors) in(path string) configErrors {
	for i := range es {
		es[i].File = path
	}
	sort.SliceStable(es, func(i, j int) bool { return es[i].Line < es[j].Line })
	return es
}

func (es configErrors) err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

var yamlErrLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// syntaxError is YAML's complaint about the file's syntax, at its line.
func syntaxError(path string, err error) configError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := configError{File: path, Msg: "YAML: " + msg}
	if m := yamlErrLine.FindStringSubmatch(err.Error()); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Msg = "YAML: " + m[2]
	}
	return e
}

// decodeErrors are yaml's decoding errors, each at its line.
func decodeErrors(err error) configErrors {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return configErrors{{Msg: strings.TrimPrefix(err.Error(), "yaml: ")}}
	}
	var errs configErrors
	for _, s := range te.Errors {
		e := configError{Msg: s}
		if m := yamlErrLine.FindStringSubmatch(s); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = m[2]
		}
		errs = append(errs, e)
	}
	return errs
}

// Validate checks the configuration and fills its defaults. Its error, a
// configErrors, lists every problem, each naming the offending key
// ("sites[1].pagination: set next or page_param").
func (c *Config) Validate() error {
	var errs configErrors
	if strings.TrimSpace(c.DataDir) == "" {
		errs.add("data_dir", "must not be empty")
	}
	switch c.Index.Backend {
	case "", "embedded":
		c.Index.Backend = "embedded"
	case "meilisearch":
		c.Index.Meilisearch.validate(&errs)
	default:
		errs.add("index.backend", "%q is not embedded or meilisearch", c.Index.Backend)
	}
	switch {
	case c.MaxConcurrentSites < 0:
		errs.add("max_concurrent_sites", "%d is negative", c.MaxConcurrentSites)
	case c.MaxConcurrentSites == 0:
		c.MaxConcurrentSites = 4
	}
	if c.MaxCloseShare < 0 || c.MaxCloseShare > 1 {
		errs.add("max_close_share", "%v is not between 0 and 1", c.MaxCloseShare)
	}
	if c.Daemon.Listen == "" {
		c.Daemon.Listen = defaultListen
	}
	if _, port, err := net.SplitHostPort(c.Daemon.Listen); err != nil || port == "" {
		errs.add("daemon.listen", "%q is not host:port (like 127.0.0.1:7800)", c.Daemon.Listen)
	}
	switch {
	case c.Daemon.StopTimeout < 0:
		errs.add("daemon.stop_timeout", "%s is negative", c.Daemon.StopTimeout)
	case c.Daemon.StopTimeout == 0:
		c.Daemon.StopTimeout = defaultStopTimeout
	}
	if c.ClosedRetention < 0 {
		errs.add("closed_retention", "%s is negative", c.ClosedRetention)
	}
	c.Search.validate(&errs)
	c.Coordination.validate(&errs)
	c.Alerts.validateDeliveries(&errs)
	hosts := map[string]int{}
	for i, h := range c.Hosts {
		at := fmt.Sprintf("hosts[%d]", i)
		host := strings.ToLower(strings.TrimSpace(h.Host))
		switch {
		case host == "":
			errs.add(at+".host", "must not be empty")
		case strings.Contains(host, "/"):
			errs.add(at+".host", "%q is a URL: give the host alone (like boards.greenhouse.io)", h.Host)
		}
		if h.Rate.N <= 0 {
			errs.add(at+".rate", "must be set (like 5/s)")
		}
		if j, dup := hosts[host]; dup && host != "" {
			errs.add(at+".host", "%q is already hosts[%d]", h.Host, j)
		}
		hosts[host] = i
	}
	names := map[string]int{}
	for i := range c.Sites {
		s := &c.Sites[i]
		at := fmt.Sprintf("sites[%d]", i)
		of := ""
		if s.Name != "" {
			of = " (site " + s.Name + ")"
		}
		if err := s.Validate(); err != nil {
			var ve crawler.ValidationError
			if !errors.As(err, &ve) {
				ve = crawler.ValidationError{{Msg: err.Error()}}
			}
			for _, fe := range ve {
				key := at
				if fe.Key != "" {
					key += "." + fe.Key
				}
				errs.add(key, "%s%s", fe.Msg, of)
			}
		}
		if _, err := daemon.ParseSchedule(s.Schedule, s.Timezone); err != nil {
			errs.add(at+".schedule", "%v%s", err, of)
		}
		if s.Name == "" {
			continue
		}
		if j, dup := names[s.Name]; dup {
			errs.add(at+".name", "%q is already the name of sites[%d]", s.Name, j)
		} else {
			names[s.Name] = i
		}
	}
	return errs.err()
}

// requireSites is the error of a command that crawls (cmd: "crawl",
// "daemon") when the configuration has no site; call it after --demo has
// added its site.
func (c *Config) requireSites(cmd string) error {
	if len(c.Sites) > 0 {
		return nil
	}
	return usagef("config %s has no sites: %s needs at least one under sites: (see the example config.yaml, "+
		"jobcrawl add URL --write, or try --demo)", c.path, cmd)
}

// siteNames are the configured sites' names, in the file's order.
func (c *Config) siteNames() []string {
	names := make([]string, len(c.Sites))
	for i, s := range c.Sites {
		names[i] = s.Name
	}
	return names
}

// unknownSite is the error for a --site NAME the configuration does not
// have: it suggests the closest name and lists the configured ones.
func (c *Config) unknownSite(name string) error {
	names := c.siteNames()
	if len(names) == 0 {
		return usagef("--site %s: no such site in %s: it has no sites", name, c.path)
	}
	hint := ""
	if s := suggest(name, names); s != "" {
		hint = " (did you mean " + s + "?)"
	}
	return usagef("--site %s: no such site in %s%s; its sites: %s", name, c.path, hint, strings.Join(names, ", "))
}

var (
	envNameRe  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	indexUIDRe = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,400}$`)
)

// validate checks index.meilisearch; its errors name the key (or MEILI_URL).
func (m *MeiliConfig) validate(errs *configErrors) {
	urlKey := "index.meilisearch.url"
	if m.urlFromEnv {
		urlKey = meiliURLEnv + " (overriding index.meilisearch.url)"
	}
	u, err := url.Parse(m.URL)
	switch {
	case strings.TrimSpace(m.URL) == "":
		errs.add(urlKey, "must be set, e.g. http://127.0.0.1:7700")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		errs.add(urlKey, "%q is not an http:// or https:// URL", redactedURL(m.URL))
	}
	if !indexUIDRe.MatchString(m.Index) {
		errs.add("index.meilisearch.index", "%q: use 1 to 400 of a-z A-Z 0-9 - _", m.Index)
	}
	if !envNameRe.MatchString(m.APIKeyEnv) {
		// not quoted back: it may be the key itself, put here by mistake
		errs.add("index.meilisearch.api_key_env", "not an environment variable name (the key itself goes in that variable, not in this file)")
	}
	for _, c := range []struct {
		key string
		bad bool
		msg string
	}{
		{"batch_size", m.BatchSize < 1, fmt.Sprintf("%d: must be at least 1", m.BatchSize)},
		{"timeout", m.Timeout <= 0, fmt.Sprintf("%s: must be positive", time.Duration(m.Timeout))},
		{"task_timeout", m.TaskTimeout <= 0, fmt.Sprintf("%s: must be positive", time.Duration(m.TaskTimeout))},
		{"max_retries", m.MaxRetries < 0, fmt.Sprintf("%d is negative", m.MaxRetries)},
		{"max_values_per_facet", m.MaxValuesPerFacet < 1, fmt.Sprintf("%d: must be at least 1", m.MaxValuesPerFacet)},
		{"max_total_hits", m.MaxTotalHits < 1, fmt.Sprintf("%d: must be at least 1", m.MaxTotalHits)},
	} {
		if c.bad {
			errs.add("index.meilisearch."+c.key, "%s", c.msg)
		}
	}
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

// schemaCheck checks a configuration's node tree against the Go types it
// decodes into, before it is decoded, so that every problem is found at
// once, at its line: unknown keys, keys set twice, values of the wrong type.
// It drops what is wrong from the tree (the default stays), and takes a
// lone scalar for a list of scalars (start_urls: https://x/).
type schemaCheck struct {
	errs configErrors
	// reported are the keys already reported (dropped, or nulled in a
	// list): Validate's errors about them would only repeat the cause.
	reported []string
}

func (c *schemaCheck) fail(n *yaml.Node, key, format string, args ...any) {
	c.errs = append(c.errs, configError{Line: n.Line, Key: key, Msg: fmt.Sprintf(format, args...)})
	c.reported = append(c.reported, key)
}

// covers reports whether key is, or is under, a key already reported.
func (c *schemaCheck) covers(key string) bool {
	for _, r := range c.reported {
		if key == r || strings.HasPrefix(key, r+".") || strings.HasPrefix(key, r+"[") {
			return true
		}
	}
	return false
}

var (
	unmarshalerYAML = reflect.TypeFor[yaml.Unmarshaler]()
	unmarshalerText = reflect.TypeFor[encoding.TextUnmarshaler]()
	durationType    = reflect.TypeFor[crawler.Duration]()
	renderType      = reflect.TypeFor[crawler.Render]()
)

// check checks n, which decodes into a t at key, and reports whether it is
// good; the caller drops it when not.
func (c *schemaCheck) check(n *yaml.Node, t reflect.Type, key string) bool {
	if n.Kind == yaml.AliasNode {
		return n.Alias == nil || c.check(n.Alias, t, key)
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if isNull(n) {
		return true // the zero value (or the default, left as it is)
	}
	if isScalarType(t) && !(t == renderType && n.Kind == yaml.MappingNode) {
		// (render is "browser" or a mapping: the mapping's keys are checked below)
		return c.leaf(n, t, key)
	}
	switch t.Kind() {
	case reflect.Struct:
		fields, names := yamlFields(t)
		if n.Kind != yaml.MappingNode {
			c.fail(n, key, "want a mapping of keys (%s, ...), got %s", strings.Join(names[:min(len(names), 3)], ", "), describe(n))
			return false
		}
		c.mapping(n, key, func(k, v *yaml.Node, path string) bool {
			ft, ok := fields[k.Value]
			if !ok {
				hint := "known keys: " + strings.Join(names, ", ")
				if s := suggest(k.Value, names); s != "" {
					hint = "did you mean " + s + "?"
					if meant, _ := mapValue(n, s); meant == nil {
						// what Validate says of the key meant (missing) follows from this
						c.reported = append(c.reported, strings.TrimSuffix(path, k.Value)+s)
					}
				}
				c.fail(k, path, "unknown key (%s)", hint)
				return false
			}
			return c.check(v, ft, path)
		})
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			c.fail(n, key, "want a mapping (name: value lines), got %s", describe(n))
			return false
		}
		c.mapping(n, key, func(_, v *yaml.Node, path string) bool { return c.check(v, t.Elem(), path) })
	case reflect.Slice, reflect.Array:
		if n.Kind == yaml.ScalarNode && isScalarType(t.Elem()) {
			// one value for a list of them: start_urls: https://x/
			item := *n
			*n = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: n.Line, Column: n.Column, Content: []*yaml.Node{&item}}
		}
		if n.Kind != yaml.SequenceNode {
			c.fail(n, key, "want a list (items starting with -), got %s", describe(n))
			return false
		}
		for i, item := range n.Content {
			if !c.check(item, t.Elem(), fmt.Sprintf("%s[%d]", key, i)) || isNull(item) {
				// The zero value, not dropped (nor null, which the decoder
				// drops): the items after it keep their index, which
				// Validate's errors name.
				n.Content[i] = zeroNode(t.Elem(), item)
			}
		}
	}
	return true
}

// mapping checks the pairs of a mapping with each, and drops the pairs it
// finds wrong and the keys set twice.
func (c *schemaCheck) mapping(n *yaml.Node, key string, each func(k, v *yaml.Node, path string) bool) {
	seen := map[string]int{}
	kept := make([]*yaml.Node, 0, len(n.Content))
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Tag == "!!merge" { // << : *anchor, merged by the decoder
			kept = append(kept, k, v)
			continue
		}
		path := k.Value
		if key != "" {
			path = key + "." + k.Value
		}
		if line, dup := seen[k.Value]; dup {
			c.fail(k, path, "set twice (first on line %d)", line)
			continue
		}
		seen[k.Value] = k.Line
		if each(k, v, path) {
			kept = append(kept, k, v)
		}
	}
	n.Content = kept
}

// leaf checks a scalar value by decoding it.
func (c *schemaCheck) leaf(n *yaml.Node, t reflect.Type, key string) bool {
	if n.Kind != yaml.ScalarNode {
		c.fail(n, key, "want %s, got %s", wantType(t), describe(n))
		return false
	}
	err := n.Decode(reflect.New(t).Interface())
	if err == nil && isInt(t) && n.ShortTag() == "!!float" {
		// yaml would cut 2.5 to 2
		if f, ferr := strconv.ParseFloat(n.Value, 64); ferr == nil && f != math.Trunc(f) {
			err = errors.New("not a whole number")
		}
	}
	if err == nil {
		return true
	}
	switch {
	case t == durationType:
		c.fail(n, key, "%q is not a duration (want %s)", n.Value, wantType(t))
	case reflect.PointerTo(t).Implements(unmarshalerYAML) || reflect.PointerTo(t).Implements(unmarshalerText):
		// their errors say what the value should look like
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlErrLine.FindStringSubmatch(msg); m != nil {
			msg = m[2]
		}
		c.fail(n, key, "%s", msg)
	case isInt(t):
		if _, ferr := strconv.ParseFloat(n.Value, 64); ferr == nil {
			c.fail(n, key, "%s is not a whole number (want %s)", n.Value, wantType(t))
		} else {
			c.fail(n, key, "%q is not a number (want %s)", n.Value, wantType(t))
		}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		c.fail(n, key, "%q is not a number (want %s)", n.Value, wantType(t))
	case t.Kind() == reflect.Bool:
		c.fail(n, key, "%q is not true or false (want %s)", n.Value, wantType(t))
	default:
		c.fail(n, key, "%q: want %s", n.Value, wantType(t))
	}
	return false
}

// isScalarType reports whether a t is written as one scalar.
func isScalarType(t reflect.Type) bool {
	if reflect.PointerTo(t).Implements(unmarshalerYAML) || reflect.PointerTo(t).Implements(unmarshalerText) {
		return true
	}
	switch t.Kind() {
	case reflect.Bool, reflect.String, reflect.Float32, reflect.Float64:
		return true
	}
	return isInt(t)
}

func isInt(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// wantType says what a value of t is written as.
func wantType(t reflect.Type) string {
	switch {
	case t == durationType:
		return "a duration like 30s or 2m"
	case isInt(t):
		return "an integer"
	}
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	}
	return "a single value"
}

// describe names what a node is, for "want X, got Y".
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return strconv.Quote(n.Value)
}

// zeroNode is the zero value of t as a node, at the place of n.
func zeroNode(t reflect.Type, n *yaml.Node) *yaml.Node {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var z yaml.Node
	if err := z.Encode(reflect.Zero(t).Interface()); err != nil {
		z = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
	}
	z.Line, z.Column = n.Line, n.Column
	return &z
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// yamlFields are the keys of a struct as yaml reads them, by name and in
// order.
func yamlFields(t reflect.Type) (map[string]reflect.Type, []string) {
	fields := map[string]reflect.Type{}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(","+opts+",", ",inline,") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				inner, innerNames := yamlFields(ft)
				for _, n := range innerNames {
					fields[n] = inner[n]
				}
				names = append(names, innerNames...)
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = f.Type
		names = append(names, name)
	}
	return fields, names
}

// lineOf is the line of key ("sites[2].pagination.next") in the tree at
// root: of the key itself, else of the nearest enclosing key or item the
// file has; 0 when it has none.
func lineOf(root *yaml.Node, key string) int {
	n, line := root, 0
	for part := range strings.SplitSeq(key, ".") {
		name, idx, _ := strings.Cut(part, "[")
		if n == nil {
			return line
		}
		if n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		if name != "" {
			k, v := mapValue(n, name)
			if k == nil {
				return line
			}
			line, n = k.Line, v
		}
		for idx != "" {
			num, rest, _ := strings.Cut(idx, "]")
			idx = strings.TrimPrefix(rest, "[")
			i, err := strconv.Atoi(num)
			if n != nil && n.Kind == yaml.AliasNode {
				n = n.Alias
			}
			if err != nil || n == nil || n.Kind != yaml.SequenceNode || i < 0 || i >= len(n.Content) {
				return line
			}
			n = n.Content[i]
			line = n.Line
		}
	}
	return line
}

// mapValue finds a key of a mapping node.
func mapValue(n *yaml.Node, name string) (k, v *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == name {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}

// suggest returns the name among known that name was probably meant to be,
// or "": the closest within an edit distance of 2 (case aside), else one
// that starts with name or that name starts with (4 letters at least).
func suggest(name string, known []string) string {
	lower := strings.ToLower(name)
	best, bestDist := "", 3
	for _, k := range known {
		d := words.Distance(lower, strings.ToLower(k), false, 2) // 3: more than 2
		if d < bestDist && d < len([]rune(name)) {
			best, bestDist = k, d
		}
	}
	if best != "" {
		return best
	}
	bestDiff := -1
	for _, k := range known {
		kl := strings.ToLower(k)
		short, long := lower, kl
		if len(short) > len(long) {
			short, long = long, short
		}
		if len(short) < 4 || !strings.HasPrefix(long, short) {
			continue
		}
		if diff := len(long) - len(short); bestDiff < 0 || diff < bestDiff {
			best, bestDiff = k, diff
		}
	}
	return best
}
