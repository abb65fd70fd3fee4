package crawler

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/andybalholm/cascadia"
	"go.yaml.in/yaml/v3"

	"github.com/jobcrawl/jobcrawl/crawler/fetch"
	"github.com/jobcrawl/jobcrawl/extract"
)

// Site is one careers site, as config.yaml's sites[] describes it.
type Site struct {
	Name      string   `yaml:"name" json:"name"`
	Company   string   `yaml:"company" json:"company,omitempty"`
	Schedule  string   `yaml:"schedule" json:"schedule,omitempty"`
	Timezone  string   `yaml:"timezone" json:"timezone,omitempty"`
	StartURLs []string `yaml:"start_urls" json:"start_urls"`
	// AllowedDomains are hosts besides the start URLs' that links may lead to.
	AllowedDomains []string   `yaml:"allowed_domains" json:"allowed_domains,omitempty"`
	Pagination     Pagination `yaml:"pagination" json:"pagination"`
	JobLinks       string     `yaml:"job_links" json:"job_links"`
	// StripParams are query parameters to drop from posting URLs, besides
	// the tracking parameters always dropped (utm_*, gclid, src…).
	StripParams []string      `yaml:"strip_params" json:"strip_params,omitempty"`
	Limits      Limits        `yaml:"limits" json:"limits"`
	Fields      extract.Rules `yaml:"fields" json:"fields,omitempty"`
	UserAgent   string        `yaml:"user_agent" json:"user_agent,omitempty"`
	// Incremental says what a re-crawl may leave out.
	Incremental Incremental `yaml:"incremental" json:"incremental"`

	// RunOnStart has the daemon also crawl the site when it starts, or when
	// a reload adds the site (Schedule and Timezone are the daemon's too).
	RunOnStart bool `yaml:"run_on_start" json:"run_on_start,omitempty"`

	// RenamedFrom are the names the site had before: the postings the
	// index holds under them become this site's (same job numbers, new
	// ids) before its next crawl, so a rename loses no history.
	RenamedFrom []string `yaml:"renamed_from" json:"renamed_from,omitempty"`

	// Source says where the postings come from: html (the default: result
	// pages from StartURLs), json (a careers JSON API, see JSON) or sitemap
	// (the site's sitemaps, see Sitemap). See sources.go.
	Source string `yaml:"source" json:"source,omitempty"`
	// Platform and Board name a board on an applicant-tracking platform
	// (greenhouse, lever, ashby, smartrecruiters, workday, eightfold), which
	// is then the source; APIURL overrides the platform's API address and
	// PageSize its page size.
	Platform string         `yaml:"platform" json:"platform,omitempty"`
	Board    string         `yaml:"board" json:"board,omitempty"`
	APIURL   string         `yaml:"api_url" json:"api_url,omitempty"`
	PageSize int            `yaml:"page_size" json:"page_size,omitempty"`
	JSON     *JSONSource    `yaml:"json" json:"json,omitempty"`
	Sitemap  *SitemapSource `yaml:"sitemap" json:"sitemap,omitempty"`
	// Discover: sitemap reads the sitemaps for postings beside the result pages.
	Discover string `yaml:"discover" json:"discover,omitempty"`
	// Render has the site's pages rendered in headless Chromium (render.go).
	Render *Render `yaml:"render,omitempty" json:"render,omitempty"`

	jobLinks, next, card cascadia.Sel
	src                  sources
}

// Incremental configures re-crawls. Result pages are always walked, and a
// posting page the site sent an ETag or Last-Modified for is always asked
// for conditionally (a 304 counts the posting as seen, unchanged). A site
// may also allow skipping the posting page of a known job whose result-page
// card reads exactly as it did when the job was last seen.
type Incremental struct {
	// SkipUnchangedCards skips the posting page of a known, open job when
	// the card that links to it (Card) has the same text and link as
	// before. A change only the posting page shows is then noticed at the
	// next RefreshAfter.
	SkipUnchangedCards bool `yaml:"skip_unchanged_cards" json:"skip_unchanged_cards,omitempty"`
	// Card is a CSS selector of the element around each job link that
	// describes the job on a result page (title, location, date...): the
	// closest one enclosing the link is fingerprinted.
	Card string `yaml:"card" json:"card,omitempty"`
	// RefreshAfter is how long a posting page may go unchecked while its
	// card is skipped; then it is fetched (conditionally) again. 0 means
	// DefaultRefreshAfter.
	RefreshAfter Duration `yaml:"refresh_after" json:"refresh_after,omitempty"`
}

// DefaultRefreshAfter is Incremental.RefreshAfter when unset.
const DefaultRefreshAfter = 7 * 24 * time.Hour

// Pagination says how to walk a site's result pages: follow the link the
// Next selector matches, or count the PageParam query parameter up from the
// start URL until a page brings no new posting, or move the OffsetParam
// query parameter (?start=20) on by OffsetStep until a page brings no new
// posting.
type Pagination struct {
	Next      string `yaml:"next" json:"next,omitempty"`
	PageParam string `yaml:"page_param" json:"page_param,omitempty"`
	// OffsetParam counts postings rather than pages: each page asks for
	// the offset of the page it follows plus OffsetStep (the start URL's
	// own value, or 0, for the first).
	OffsetParam string `yaml:"offset_param" json:"offset_param,omitempty"`
	// OffsetStep is how far each page moves the offset; 0: by the number
	// of job links the page before held.
	OffsetStep int `yaml:"offset_step" json:"offset_step,omitempty"`
}

// ways are how many ways of paging are set.
func (p Pagination) ways() int {
	n := 0
	for _, set := range []bool{p.Next != "", p.PageParam != "", p.OffsetParam != ""} {
		if set {
			n++
		}
	}
	return n
}

// Limits bound one run of a site and set its politeness.
type Limits struct {
	Parallelism int      `yaml:"parallelism" json:"parallelism"` // requests in flight per host
	Delay       Duration `yaml:"delay" json:"delay"`             // pause after each request, per slot
	Timeout     Duration `yaml:"timeout" json:"timeout"`         // one request, headers and body
	MaxPages    int      `yaml:"max_pages" json:"max_pages"`     // result and detail pages per run; 0: no limit
	// MaxQueue caps the requests waiting at once (0: DefaultMaxQueue); a
	// request past it is dropped, counted (queue_full) and leaves the run
	// incomplete.
	MaxQueue    int      `yaml:"max_queue" json:"max_queue,omitempty"`
	MaxRetries  int      `yaml:"max_retries" json:"max_retries"` // per request, after the first attempt
	MaxBodySize ByteSize `yaml:"max_body_size" json:"max_body_size"`
	RunTimeout  Duration `yaml:"run_timeout" json:"run_timeout"` // the whole run; 0: no limit
	// Rate caps the requests to the site (all its hosts, robots.txt and
	// retries included): "10/s", "300/m"; zero: no cap besides the others.
	Rate Rate `yaml:"rate" json:"rate"`
	// RetryBackoff is the first pause before a retry; it doubles with each
	// attempt (with jitter, up to 30s). 0: DefaultLimits.RetryBackoff.
	RetryBackoff Duration `yaml:"retry_backoff" json:"retry_backoff"`
	// Breaker pauses a host after repeated failures.
	Breaker Breaker `yaml:"breaker" json:"breaker"`
}

// Breaker is a per-host circuit breaker: after Failures failed requests in
// a row (timeouts, connection errors, 5xx, 429), no request goes to the host
// for Pause; then one request probes it. A failed probe pauses the host
// again for twice as long (up to 8 × Pause); after MaxPauses pauses in a
// row the run gives up on the host. A success closes the breaker.
type Breaker struct {
	Failures  int      `yaml:"failures" json:"failures"`
	Pause     Duration `yaml:"pause" json:"pause"`
	MaxPauses int      `yaml:"max_pauses" json:"max_pauses"`
}

// DefaultLimits are used for every limit a site leaves unset (zero).
// Delay and MaxRetries have no default: zero is a value a site asks for
// (no pause besides the rate cap and Crawl-delay; no retry), so they are
// what the site sets.
var DefaultLimits = Limits{
	Parallelism:  4,
	Timeout:      Duration(30 * time.Second),
	MaxPages:     0,
	MaxBodySize:  10 << 20,
	RetryBackoff: Duration(250 * time.Millisecond),
	Breaker:      Breaker{Failures: 10, Pause: Duration(30 * time.Second), MaxPauses: 4},
}

var siteName = regexp.MustCompile(`^[a-z0-9-]+$`)

// FieldError is one problem with a site's configuration: the key at fault,
// relative to the site ("pagination.next", "start_urls[1]"; "" when no one
// key is), and what is wrong with it.
type FieldError struct {
	Key string
	Msg string
	err error // the cause, when the problem came from elsewhere (errors.Is/As)
}

func (e *FieldError) Error() string {
	if e.Key == "" {
		return e.Msg
	}
	return e.Key + ": " + e.Msg
}

func (e *FieldError) Unwrap() error { return e.err }

// ValidationError is every problem Validate found with a site, in the
// order it checks them. Its text is theirs joined by "; ", so a single
// problem reads as it always did.
type ValidationError []*FieldError

func (v ValidationError) Error() string {
	s := make([]string, len(v))
	for i, e := range v {
		s[i] = e.Error()
	}
	return strings.Join(s, "; ")
}

// Unwrap gives errors.Is and errors.As each problem.
func (v ValidationError) Unwrap() []error {
	errs := make([]error, len(v))
	for i, e := range v {
		errs[i] = e
	}
	return errs
}

// problems collects a site's problems as Validate finds them.
type problems ValidationError

func (p *problems) add(key, format string, args ...any) {
	*p = append(*p, &FieldError{Key: key, Msg: fmt.Sprintf(format, args...)})
}

// addErr adds an error that names its key in its text ("board: missing"),
// as the checks of sources and field rules return them; prefix goes before
// that key ("fields.").
func (p *problems) addErr(prefix string, err error) {
	key, msg := splitKey(err.Error())
	if key == "" && prefix != "" {
		key, msg = strings.TrimSuffix(prefix, "."), err.Error()
	} else if key != "" {
		key = prefix + key
	}
	*p = append(*p, &FieldError{Key: key, Msg: msg, err: err})
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return ValidationError(p)
}

// keyPath is a key path as errors start with: "pagination.next",
// "start_urls[0]", "json.paging.limit".
var keyPath = regexp.MustCompile(`^[a-z0-9_]+(\[\d+\])*(\.[a-z0-9_]+(\[\d+\])*)*$`)

// splitKey splits "key.path: what is wrong" into its key and message; key
// is "" when the text does not start with a key.
func splitKey(s string) (key, msg string) {
	k, m, ok := strings.Cut(s, ": ")
	if !ok || !keyPath.MatchString(k) {
		return "", s
	}
	return k, m
}

// Validate checks the site and prepares its selectors and rules. It
// reports every problem it finds, not only the first, as a
// ValidationError whose problems name the key at fault ("pagination: set
// next or page_param"); the caller prefixes the site's place in the file.
func (s *Site) Validate() error {
	var p problems
	switch {
	case s.Name == "":
		p.add("name", "missing")
	case !siteName.MatchString(s.Name):
		p.add("name", "%q must be lowercase letters, digits and '-'", s.Name)
	}
	if len(s.StartURLs) == 0 && s.walksResultPages() {
		p.add("start_urls", "at least one URL needed")
	}
	badStart := false
	for i, u := range s.StartURLs {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			p.add(fmt.Sprintf("start_urls[%d]", i), "%q is not an http(s) URL", u)
			badStart = true
		}
	}
	if s.walksResultPages() { // JSON APIs, platforms and sitemaps have no result pages
		// (offset_param is the rarer third way: the first two messages
		// read as they always did)
		switch pg := s.Pagination; {
		case pg.ways() == 0:
			p.add("pagination", "set next or page_param")
		case pg.ways() > 1 && pg.OffsetParam == "":
			p.add("pagination", "set next or page_param, not both")
		case pg.ways() > 1:
			p.add("pagination", "set one of next, page_param and offset_param")
		}
		if s.JobLinks == "" {
			p.add("job_links", "missing (a CSS selector of the links to postings)")
		}
	}
	switch {
	case s.Pagination.OffsetStep < 0:
		p.add("pagination.offset_step", "%d is negative", s.Pagination.OffsetStep)
	case s.Pagination.OffsetStep > 0 && s.Pagination.OffsetParam == "":
		p.add("pagination.offset_step", "set without offset_param")
	}
	var err error
	s.jobLinks = nil
	if s.JobLinks != "" {
		if s.jobLinks, err = cascadia.Parse(s.JobLinks); err != nil {
			p.add("job_links", "%q is not a CSS selector: %v", s.JobLinks, err)
		}
	}
	s.next = nil
	if s.Pagination.Next != "" {
		if s.next, err = cascadia.Parse(s.Pagination.Next); err != nil {
			p.add("pagination.next", "%q is not a CSS selector: %v", s.Pagination.Next, err)
		}
	}
	// The sources read the start URLs (a sitemap's default is the first
	// one's /sitemap.xml): with a bad one, their check would only repeat it.
	if !badStart {
		if err := s.validateSource(); err != nil {
			p.addErr("", err)
		}
	}
	s.card = nil
	if inc := &s.Incremental; inc.Card != "" {
		if s.card, err = cascadia.Parse(inc.Card); err != nil {
			p.add("incremental.card", "%q is not a CSS selector: %v", inc.Card, err)
		}
	}
	switch inc := &s.Incremental; {
	case inc.SkipUnchangedCards && inc.Card == "":
		p.add("incremental.card", "needed with skip_unchanged_cards (a CSS selector of the element around each job link, like li.card)")
	case inc.RefreshAfter < 0:
		p.add("incremental.refresh_after", "%s is negative", inc.RefreshAfter)
	case inc.RefreshAfter == 0:
		inc.RefreshAfter = Duration(DefaultRefreshAfter)
	}
	s.validateRender(&p)
	if err := s.Fields.Compile(); err != nil {
		p.addErr("fields.", err)
	}
	if s.Timezone != "" {
		if _, err := time.LoadLocation(s.Timezone); err != nil {
			p.add("timezone", "%q: %v", s.Timezone, err)
		}
	}
	l := &s.Limits
	for _, c := range []struct {
		key      string
		negative bool
		value    any
	}{
		{"parallelism", l.Parallelism < 0, l.Parallelism},
		{"delay", l.Delay < 0, l.Delay},
		{"timeout", l.Timeout < 0, l.Timeout},
		{"max_pages", l.MaxPages < 0, l.MaxPages},
		{"max_queue", l.MaxQueue < 0, l.MaxQueue},
		{"max_retries", l.MaxRetries < 0, l.MaxRetries},
		{"max_body_size", l.MaxBodySize < 0, int64(l.MaxBodySize)},
		{"run_timeout", l.RunTimeout < 0, l.RunTimeout},
		{"retry_backoff", l.RetryBackoff < 0, l.RetryBackoff},
		{"breaker.failures", l.Breaker.Failures < 0, l.Breaker.Failures},
		{"breaker.pause", l.Breaker.Pause < 0, l.Breaker.Pause},
		{"breaker.max_pauses", l.Breaker.MaxPauses < 0, l.Breaker.MaxPauses},
	} {
		if c.negative {
			p.add("limits."+c.key, "%v is negative", c.value)
		}
	}
	if l.RetryBackoff == 0 {
		l.RetryBackoff = DefaultLimits.RetryBackoff
	}
	if l.Breaker.Failures == 0 {
		l.Breaker.Failures = DefaultLimits.Breaker.Failures
	}
	if l.Breaker.Pause == 0 {
		l.Breaker.Pause = DefaultLimits.Breaker.Pause
	}
	if l.Breaker.MaxPauses == 0 {
		l.Breaker.MaxPauses = DefaultLimits.Breaker.MaxPauses
	}
	if l.Parallelism == 0 {
		l.Parallelism = DefaultLimits.Parallelism
	}
	if l.Timeout == 0 {
		l.Timeout = DefaultLimits.Timeout
	}
	if l.MaxBodySize == 0 {
		l.MaxBodySize = DefaultLimits.MaxBodySize
	}
	return p.err()
}

// hosts are the hosts the run may ask anything, as fetch.Config.Hosts
// reads them: the start URLs' hosts (with their port when it is not the
// scheme's default), the hosts of the site's API or sitemaps, and
// allowed_domains (any port, unless one is written).
func (s *Site) hosts() []string {
	seen := map[string]bool{}
	var out []string
	add := func(h string) {
		h = strings.ToLower(h)
		if h != "" && !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	for _, u := range s.StartURLs {
		if p, err := url.Parse(u); err == nil {
			add(p.Host)
		}
	}
	for _, d := range s.AllowedDomains {
		if !strings.Contains(d, ":") {
			d += ":*"
		}
		add(d)
	}
	for _, h := range s.sourceHosts() {
		add(h)
	}
	return out
}

// Duration is a time.Duration written as "200ms", "30s", "1h" or, for
// days, "90d" ("1d12h") in config.
type Duration time.Duration

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := parseDuration(strings.TrimSpace(string(b)))
	if err != nil {
		return fmt.Errorf("%q is not a duration (like 200ms, 30s, 1h, 90d)", b)
	}
	*d = Duration(v)
	return nil
}

// parseDuration is time.ParseDuration that also reads a leading number of
// days ("90d", "1d12h").
func parseDuration(s string) (time.Duration, error) {
	days, rest, ok := strings.Cut(s, "d")
	if !ok {
		return time.ParseDuration(s)
	}
	n, err := strconv.ParseUint(days, 10, 16)
	if err != nil {
		return 0, err
	}
	v := time.Duration(n) * 24 * time.Hour
	if rest != "" {
		r, err := time.ParseDuration(rest)
		if err != nil || r < 0 {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		v += r
	}
	return v, nil
}

// UnmarshalYAML reads a duration and names the line of a bad one.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if err := d.UnmarshalText([]byte(n.Value)); err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

func (d Duration) String() string { return time.Duration(d).String() }

// ByteSize is a size in bytes written as 1048576, "512KB" or "10MB" in config.
type ByteSize int64

// UnmarshalText implements encoding.TextUnmarshaler.
func (b *ByteSize) UnmarshalText(t []byte) error {
	s := strings.ToUpper(strings.TrimSpace(string(t)))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil || n < 0 {
		return fmt.Errorf("%q is not a size (like 10MB, 512KB or a number of bytes)", t)
	}
	*b = ByteSize(n * mult)
	return nil
}

// UnmarshalYAML reads a size and names the line of a bad one.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	if err := b.UnmarshalText([]byte(n.Value)); err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	return nil
}

// Rate is a number of requests per period, written "10/s", "300/m", "2/h",
// "5/1500ms" or a bare number (per second) in config (see fetch.Rate).
type Rate = fetch.Rate
