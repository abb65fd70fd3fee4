package alerts

import (
	"net/url"
	"time"
)

// View is a saved search as the API and the commands show it: no secret
// in clear, and endpoint URLs masked (a Slack or Discord URL is a
// credential). The commands print it as GET /api/searches answers it, and
// read it back from there with --server.
type View struct {
	ID            string            `json:"id"`
	Name          string            `json:"name"`
	Query         string            `json:"q"`
	Filters       []string          `json:"filters"`
	Sort          []string          `json:"sort"`
	Realert       []string          `json:"realert"`
	Created       time.Time         `json:"created_at"`
	Endpoints     []EndpointView    `json:"endpoints"`
	LastEvaluated *time.Time        `json:"last_evaluated,omitempty"`
	Matches       int               `json:"matches"`
	Feeds         FeedLinks         `json:"feeds"`
	Messages      map[string]int    `json:"messages,omitempty"`
	Recent        []Posting         `json:"recent,omitempty"`
	Secrets       map[string]string `json:"secrets,omitempty"` // generated ones, at creation only
}

// EndpointView is an endpoint as View shows it.
type EndpointView struct {
	ID             string `json:"id"`
	URL            string `json:"url"` // masked: MaskURL
	Format         string `json:"format"`
	Mode           string `json:"mode"`
	Secret         string `json:"secret"` // masked: MaskSecret
	Disabled       bool   `json:"disabled"`
	DisabledReason string `json:"disabled_reason,omitempty"`
}

// FeedLinks are the addresses of a saved search's feeds and page.
type FeedLinks struct {
	Atom string `json:"atom"`
	RSS  string `json:"rss"`
	JSON string `json:"json"`
	Page string `json:"page"`
}

// Links returns the feed links of saved search id on the server at base
// ("http://host:port").
func Links(base, id string) FeedLinks {
	return FeedLinks{Atom: base + "/feeds/" + id + ".atom", RSS: base + "/feeds/" + id + ".rss",
		JSON: base + "/feeds/" + id + ".json", Page: base + "/searches/" + id}
}

// View returns s as shown to users, its links on the server at base.
func (s Search) View(base string) View {
	v := View{ID: s.ID, Name: s.Name, Query: s.Query, Filters: orEmpty(s.Filters), Sort: orEmpty(s.Sort),
		Realert: orEmpty(s.Realert), Created: s.Created, Matches: s.Matches, Feeds: Links(base, s.ID),
		Endpoints: []EndpointView{}}
	if !s.LastEvaluated.IsZero() {
		t := s.LastEvaluated
		v.LastEvaluated = &t
	}
	for _, ep := range s.Endpoints {
		secret := ""
		if len(ep.Secrets) > 0 {
			secret = MaskSecret(ep.Secrets[0])
		}
		v.Endpoints = append(v.Endpoints, EndpointView{ID: ep.ID, URL: MaskURL(ep.URL), Format: ep.Format, Mode: ep.Mode,
			Secret: secret, Disabled: ep.Disabled, DisabledReason: ep.DisabledReason})
	}
	return v
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// MaskURL shows an endpoint URL's scheme and host, and of its path and
// query only the last 4 characters (enough to tell two endpoints apart).
func MaskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "…"
	}
	out := u.Scheme + "://" + u.Host
	if p := u.Path + u.RawQuery; len(p) > 1 {
		tail := p
		if len(tail) > 4 {
			tail = tail[len(tail)-4:]
		}
		out += "/…" + tail
	}
	return out
}
