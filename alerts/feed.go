package alerts

import (
	"bytes"
	"crypto/sha1"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strings"
	"time"
)

// Feed is what the three feed formats (Atom, RSS 2.0, JSON Feed 1.1)
// render: a saved search's recorded matches, or a live search's.
type Feed struct {
	// Key identifies the feed for its id ("ss_…", or the live search's query).
	Key      string
	Title    string
	Subtitle string
	// HomeURL is the feed's page for people; SelfURL is the feed itself.
	HomeURL, SelfURL string
	// Updated is when the feed last changed (the newest entry's time, or
	// the search's creation).
	Updated time.Time
	Items   []FeedItem
}

// FeedItem is one posting of a feed.
type FeedItem struct {
	// ID is the posting's record id; the entry's id is derived from it
	// (a name-based UUID), so it is the same in every feed and format.
	ID        string
	Title     string
	Link      string // the posting's page on this server
	External  string // the posting's own page on its site
	Company   string
	Summary   string // plain text; the renderers escape it
	Published time.Time
	Updated   time.Time
	Tags      []string
}

// ItemOf is the feed item of p, recorded at found; base is the server's
// address (no trailing slash).
func ItemOf(p Posting, found time.Time, base string) FeedItem {
	title := p.Title
	if title == "" {
		title = p.JobNumber
	}
	var where []string
	if p.Company != "" {
		where = append(where, p.Company)
	}
	if len(p.Locations) > 0 {
		where = append(where, strings.Join(p.Locations, " · "))
	}
	summary := strings.Join(where, " — ")
	if p.Summary != "" {
		if summary != "" {
			summary += ". "
		}
		summary += p.Summary
	}
	var tags []string
	for _, t := range []string{p.EmploymentType, p.WorkplaceType} {
		if t != "" {
			tags = append(tags, t)
		}
	}
	return FeedItem{ID: p.ID, Title: title, Link: base + "/postings/" + p.ID, External: p.URL, Company: p.Company,
		Summary: summary, Published: p.FirstSeen, Updated: found, Tags: tags}
}

// uuidURN is a name-based (SHA-1, version 5) UUID of name, as a URN: a
// valid, stable, globally unique id for Atom and JSON Feed entries.
func uuidURN(name string) string {
	// the URL namespace of RFC 9562
	ns := []byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	h := sha1.New()
	h.Write(ns)
	h.Write([]byte("jobcrawl:" + name))
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// EntryID is the id of a posting's entry in every feed.
func EntryID(recordID string) string { return uuidURN("posting:" + recordID) }

type atomFeed struct {
	XMLName  xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID       string      `xml:"id"`
	Title    atomText    `xml:"title"`
	Subtitle *atomText   `xml:"subtitle,omitempty"`
	Updated  string      `xml:"updated"`
	Links    []atomLink  `xml:"link"`
	Author   atomPerson  `xml:"author"`
	Gen      atomGen     `xml:"generator"`
	Entries  []atomEntry `xml:"entry"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomGen struct {
	URI  string `xml:"uri,attr,omitempty"`
	Text string `xml:",chardata"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      atomText       `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published,omitempty"`
	Links      []atomLink     `xml:"link"`
	Author     *atomPerson    `xml:"author,omitempty"`
	Summary    *atomText      `xml:"summary,omitempty"`
	Categories []atomCategory `xml:"category"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Atom renders f as an Atom 1.0 feed (RFC 4287).
func (f Feed) Atom() []byte {
	a := atomFeed{ID: uuidURN("feed:" + f.Key), Title: atomText{Type: "text", Text: f.Title}, Updated: rfc3339(f.Updated),
		Links:  []atomLink{{Rel: "self", Type: "application/atom+xml", Href: f.SelfURL}, {Rel: "alternate", Type: "text/html", Href: f.HomeURL}},
		Author: atomPerson{Name: "jobcrawl"}, Gen: atomGen{URI: "https://github.com/jobcrawl/jobcrawl", Text: "jobcrawl"}}
	if f.Subtitle != "" {
		a.Subtitle = &atomText{Type: "text", Text: f.Subtitle}
	}
	for _, it := range f.Items {
		e := atomEntry{ID: EntryID(it.ID), Title: atomText{Type: "text", Text: it.Title}, Updated: rfc3339(it.Updated),
			Links: []atomLink{{Rel: "alternate", Type: "text/html", Href: it.Link}}}
		if !it.Published.IsZero() {
			e.Published = rfc3339(it.Published)
		}
		if it.External != "" {
			e.Links = append(e.Links, atomLink{Rel: "related", Type: "text/html", Href: it.External})
		}
		if it.Company != "" {
			e.Author = &atomPerson{Name: it.Company}
		}
		if it.Summary != "" {
			e.Summary = &atomText{Type: "text", Text: it.Summary}
		}
		for _, t := range it.Tags {
			e.Categories = append(e.Categories, atomCategory{Term: t})
		}
		a.Entries = append(a.Entries, e)
	}
	return marshalXML(a)
}

type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	AtomNS  string     `xml:"xmlns:atom,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title       string    `xml:"title"`
	Link        string    `xml:"link"`
	Description string    `xml:"description"`
	Self        rssSelf   `xml:"atom:link"`
	LastBuild   string    `xml:"lastBuildDate"`
	Generator   string    `xml:"generator"`
	Docs        string    `xml:"docs"`
	Items       []rssItem `xml:"item"`
}

type rssSelf struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type rssItem struct {
	Title       string   `xml:"title"`
	Link        string   `xml:"link"`
	Description string   `xml:"description,omitempty"`
	GUID        rssGUID  `xml:"guid"`
	PubDate     string   `xml:"pubDate"`
	Categories  []string `xml:"category"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Text        string `xml:",chardata"`
}

// RSS renders f as an RSS 2.0 feed. Items keep their entry ids as guids
// (not permalinks) and link to the posting's page on this server.
func (f Feed) RSS() []byte {
	desc := f.Subtitle
	if desc == "" {
		desc = f.Title
	}
	doc := rssDoc{Version: "2.0", AtomNS: "http://www.w3.org/2005/Atom", Channel: rssChannel{Title: f.Title, Link: f.HomeURL,
		Description: desc, Self: rssSelf{Href: f.SelfURL, Rel: "self", Type: "application/rss+xml"},
		LastBuild: f.Updated.UTC().Format(time.RFC1123Z), Generator: "jobcrawl", Docs: "https://www.rssboard.org/rss-specification"}}
	for _, it := range f.Items {
		doc.Channel.Items = append(doc.Channel.Items, rssItem{Title: it.Title, Link: it.Link, Description: it.Summary,
			GUID: rssGUID{IsPermaLink: "false", Text: EntryID(it.ID)}, PubDate: it.Published.UTC().Format(time.RFC1123Z),
			Categories: it.Tags})
	}
	return marshalXML(doc)
}

func marshalXML(v any) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		panic(err) // the structs above always encode
	}
	b.WriteByte('\n')
	return b.Bytes()
}

// JSONFeedVersion is the version URL of JSON Feed 1.1.
const JSONFeedVersion = "https://jsonfeed.org/version/1.1"

type jsonFeed struct {
	Version     string         `json:"version"`
	Title       string         `json:"title"`
	HomePageURL string         `json:"home_page_url,omitempty"`
	FeedURL     string         `json:"feed_url,omitempty"`
	Description string         `json:"description,omitempty"`
	Authors     []jsonAuthor   `json:"authors,omitempty"`
	Items       []jsonFeedItem `json:"items"`
}

type jsonAuthor struct {
	Name string `json:"name"`
}

type jsonFeedItem struct {
	ID            string       `json:"id"`
	URL           string       `json:"url,omitempty"`
	ExternalURL   string       `json:"external_url,omitempty"`
	Title         string       `json:"title"`
	ContentText   string       `json:"content_text"`
	DatePublished string       `json:"date_published,omitempty"`
	DateModified  string       `json:"date_modified,omitempty"`
	Authors       []jsonAuthor `json:"authors,omitempty"`
	Tags          []string     `json:"tags,omitempty"`
}

// JSONFeed renders f as a JSON Feed 1.1 document.
func (f Feed) JSONFeed() []byte {
	jf := jsonFeed{Version: JSONFeedVersion, Title: f.Title, HomePageURL: f.HomeURL, FeedURL: f.SelfURL,
		Description: f.Subtitle, Authors: []jsonAuthor{{Name: "jobcrawl"}}, Items: []jsonFeedItem{}}
	for _, it := range f.Items {
		ji := jsonFeedItem{ID: EntryID(it.ID), URL: it.Link, ExternalURL: it.External, Title: it.Title,
			ContentText: it.Summary, DateModified: rfc3339(it.Updated), Tags: it.Tags}
		if ji.ContentText == "" {
			ji.ContentText = it.Title
		}
		if !it.Published.IsZero() {
			ji.DatePublished = rfc3339(it.Published)
		}
		if it.Company != "" {
			ji.Authors = []jsonAuthor{{Name: it.Company}}
		}
		jf.Items = append(jf.Items, ji)
	}
	b, err := json.MarshalIndent(jf, "", "  ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}
