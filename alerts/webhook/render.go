package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Formats of Endpoint.Format.
const (
	FormatStandard = "standard" // the event JSON as queued (the default)
	FormatSlack    = "slack"    // a Slack incoming webhook: text and blocks
	FormatDiscord  = "discord"  // a Discord webhook: content and embeds
	FormatNtfy     = "ntfy"     // an ntfy topic URL: plain text and headers
)

// Formats lists the formats, the default first.
var Formats = []string{FormatStandard, FormatSlack, FormatDiscord, FormatNtfy}

// ErrFormat is wrapped by the errors of a message that cannot be rendered
// in its endpoint's format: an unknown format, or a body that is not the
// event JSON. Such a message is a dead letter at once.
var ErrFormat = errors.New("cannot render the message")

// Rendered is a message as it is sent: its body and the headers of its
// format. Rendering depends on nothing but the message, so a retry sends
// the same bytes.
type Rendered struct {
	Body        []byte
	ContentType string
	Header      http.Header // the format's own headers (ntfy's Title...), or nil
}

// Event is the standard event JSON that messages carry (alerts writes it;
// fields beyond these are kept in the standard format and ignored by the
// others).
type Event struct {
	Type      string    `json:"type"`
	Timestamp string    `json:"timestamp"`
	Data      EventData `json:"data"`
}

// EventData is an event's data.
type EventData struct {
	Search struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		URL  string `json:"url,omitempty"` // a page showing the search, when known
	} `json:"search"`
	Postings []EventPosting `json:"postings"`
	// Part and Parts number the messages one evaluation was split into
	// (0 or 1 of 1: not split).
	Part  int `json:"part,omitempty"`
	Parts int `json:"parts,omitempty"`
	// More counts the postings a digest left out.
	More int `json:"more,omitempty"`
}

// EventPosting is a posting of an event.
type EventPosting struct {
	ID        string    `json:"id"`
	JobNumber string    `json:"job_number"`
	Title     string    `json:"title"`
	Company   string    `json:"company"`
	Locations Locations `json:"locations"`
	URL       string    `json:"url"`
}

// Locations reads a list of places, or one as a string.
type Locations []string

// UnmarshalJSON implements json.Unmarshaler: a string, a list of strings,
// or anything else (ignored).
func (l *Locations) UnmarshalJSON(b []byte) error {
	var list []string
	if json.Unmarshal(b, &list) == nil {
		*l = list
		return nil
	}
	var one string
	if json.Unmarshal(b, &one) == nil && one != "" {
		*l = Locations{one}
	}
	return nil
}

// Render renders a message's body (the event JSON) in format ("" is
// standard).
func Render(format string, body []byte) (Rendered, error) {
	if format == "" || format == FormatStandard {
		return Rendered{Body: body, ContentType: "application/json"}, nil
	}
	var fn func(*Event) (Rendered, error)
	switch format {
	case FormatSlack:
		fn = renderSlack
	case FormatDiscord:
		fn = renderDiscord
	case FormatNtfy:
		fn = renderNtfy
	default:
		return Rendered{}, fmt.Errorf("%w: format %q is not one of %s", ErrFormat, clipText(format, 20), strings.Join(Formats, ", "))
	}
	var ev Event
	if err := json.Unmarshal(body, &ev); err != nil {
		return Rendered{}, fmt.Errorf("%w: its body is not the event JSON (%s)", ErrFormat, clipText(err.Error(), 80))
	}
	return fn(&ev)
}

// Limits the shapes keep to (their services refuse more, or cut it).
const (
	slackMaxPostings  = 20   // a section block each (Slack allows 50 blocks)
	slackMaxSection   = 3000 // characters of a section's text
	discordMaxEmbeds  = 10
	discordMaxContent = 2000
	discordMaxTitle   = 256
	discordMaxDesc    = 300  // well under 4096: ten embeds must stay under 6000 characters in all
	ntfyMaxBody       = 3800 // bytes; ntfy turns a message beyond 4096 into an attachment
	ntfyMaxTitle      = 200
	maxField          = 200 // characters of a title, company or place list shown
)

// summary is the first line of every format: "3 new postings for Go in
// Berlin" (the name unescaped: each format escapes it).
func summary(ev *Event) (count string, name string) {
	n := len(ev.Data.Postings) + max(ev.Data.More, 0)
	what := "new posting"
	if ev.Type == "postings.digest" {
		what = "posting in today's digest"
		if n != 1 {
			what = "postings in today's digest"
		}
	} else if n != 1 {
		what = "new postings"
	}
	name = clean(ev.Data.Search.Name, maxField)
	if name == "" {
		name = clean(ev.Data.Search.ID, maxField)
	}
	count = strconv.Itoa(n) + " " + what
	if ev.Data.Parts > 1 {
		count += fmt.Sprintf(" (part %d of %d)", ev.Data.Part, ev.Data.Parts)
	}
	return count, name
}

// line is a posting as one line of text: "Title · Company · Place, Place".
func parts(p EventPosting) (title, rest string) {
	title = clean(p.Title, maxField)
	if title == "" {
		title = "Posting " + clean(p.JobNumber, 40)
	}
	var more []string
	if c := clean(p.Company, maxField); c != "" {
		more = append(more, c)
	}
	if len(p.Locations) > 0 {
		var places []string
		for _, l := range p.Locations {
			if l = clean(l, 80); l != "" {
				places = append(places, l)
			}
		}
		if len(places) > 3 {
			places = append(places[:3], fmt.Sprintf("+%d", len(places)-3))
		}
		if len(places) > 0 {
			more = append(more, strings.Join(places, "; "))
		}
	}
	return title, strings.Join(more, " · ")
}

// safeURL is u when it is an absolute http(s) URL, in its ASCII form;
// else "" (a crawled page's javascript: link is not a link).
func safeURL(u string) string {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.User != nil {
		return ""
	}
	s := p.String()
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return ""
		}
	}
	return s
}

// clean makes untrusted text one line: control characters and line
// breaks become spaces, runs of spaces one, and it is cut at max runes
// with "…".
func clean(s string, max int) string {
	var b strings.Builder
	space := false
	n := 0
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.IsSpace(r) || r == '\u2028' || r == '\u2029' ||
			(r >= '\u200b' && r <= '\u200f') || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
			space = b.Len() > 0
			continue
		}
		if space {
			if n+1 >= max {
				b.WriteString("…")
				return b.String()
			}
			b.WriteByte(' ')
			n++
			space = false
		}
		if n+1 >= max && n+1 < utf8.RuneCountInString(s) {
			b.WriteString("…")
			return b.String()
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// clipText is s cut at max runes with "…".
func clipText(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

// marshal is json.Marshal without the HTML escaping of <, > and & (the
// services read JSON, and the text is escaped for their markup already):
// compact, one trailing newline less, deterministic.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// --- Slack ---

var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// slackURL is a URL as the target of a <url|text> link.
var slackURLEscaper = strings.NewReplacer("&", "&amp;", "<", "%3C", ">", "%3E", "|", "%7C")

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

func renderSlack(ev *Event) (Rendered, error) {
	count, name := summary(ev)
	head := "*" + count + "* for saved search *" + slackEscaper.Replace(name) + "*"
	if u := safeURL(ev.Data.Search.URL); u != "" {
		head = "*" + count + "* for saved search <" + slackURLEscaper.Replace(u) + "|" + slackEscaper.Replace(name) + ">"
	}
	msg := struct {
		Text   string       `json:"text"`
		Blocks []slackBlock `json:"blocks"`
	}{Text: slackEscaper.Replace(count + " for saved search " + name)}
	msg.Blocks = append(msg.Blocks, slackBlock{Type: "section", Text: &slackText{"mrkdwn", head}})
	shown := ev.Data.Postings
	if len(shown) > slackMaxPostings {
		shown = shown[:slackMaxPostings]
	}
	for _, p := range shown {
		title, rest := parts(p)
		t := "*" + slackEscaper.Replace(title) + "*"
		if u := safeURL(p.URL); u != "" {
			t = "*<" + slackURLEscaper.Replace(u) + "|" + slackEscaper.Replace(title) + ">*"
		}
		if rest != "" {
			t += "\n" + slackEscaper.Replace(rest)
		}
		if utf8.RuneCountInString(t) > slackMaxSection {
			t = clipText(t, slackMaxSection)
		}
		msg.Blocks = append(msg.Blocks, slackBlock{Type: "section", Text: &slackText{"mrkdwn", t}})
	}
	if more := moreCount(ev, len(shown)); more > 0 {
		msg.Blocks = append(msg.Blocks, slackBlock{Type: "context", Elements: []slackText{{"mrkdwn", fmt.Sprintf("…and %d more", more)}}})
	}
	b, err := marshal(msg)
	return Rendered{Body: b, ContentType: "application/json"}, err
}

func moreCount(ev *Event, shown int) int {
	return len(ev.Data.Postings) + max(ev.Data.More, 0) - shown
}

// --- Discord ---

// discordEscaper escapes Discord's markdown: a crawled title cannot
// format, link, quote or start a heading or a list.
var discordEscaper = strings.NewReplacer(
	`\`, `\\`, "*", `\*`, "_", `\_`, "~", `\~`, "`", "\\`", "|", `\|`, ">", `\>`, "<", `\<`,
	"[", `\[`, "]", `\]`, "(", `\(`, ")", `\)`, "#", `\#`, "-", `\-`, "@", "@\u200b")

type discordEmbed struct {
	Title       string `json:"title"`
	URL         string `json:"url,omitempty"`
	Description string `json:"description,omitempty"`
}

func renderDiscord(ev *Event) (Rendered, error) {
	count, name := summary(ev)
	shown := ev.Data.Postings
	if len(shown) > discordMaxEmbeds {
		shown = shown[:discordMaxEmbeds]
	}
	content := "**" + count + "** for saved search **" + discordEscaper.Replace(name) + "**"
	if more := moreCount(ev, len(shown)); more > 0 {
		content += fmt.Sprintf(" (showing %d; %d more)", len(shown), more)
	}
	if u := safeURL(ev.Data.Search.URL); u != "" {
		content += "\n<" + u + ">"
	}
	msg := struct {
		Content         string         `json:"content"`
		Embeds          []discordEmbed `json:"embeds"`
		AllowedMentions struct {
			Parse []string `json:"parse"`
		} `json:"allowed_mentions"`
	}{Content: clipText(content, discordMaxContent), Embeds: []discordEmbed{}}
	msg.AllowedMentions.Parse = []string{} // no @everyone, no pings
	for _, p := range shown {
		title, rest := parts(p)
		msg.Embeds = append(msg.Embeds, discordEmbed{
			Title:       clipText(discordEscaper.Replace(title), discordMaxTitle),
			URL:         safeURL(p.URL),
			Description: clipText(discordEscaper.Replace(rest), discordMaxDesc),
		})
	}
	b, err := marshal(msg)
	return Rendered{Body: b, ContentType: "application/json"}, err
}

// --- ntfy ---

func renderNtfy(ev *Event) (Rendered, error) {
	count, name := summary(ev)
	var b strings.Builder
	b.WriteString(count + " for saved search \u201c" + name + "\u201d:\n")
	shown := 0
	for _, p := range ev.Data.Postings {
		title, rest := parts(p)
		entry := "\n• " + title
		if rest != "" {
			entry += "\n  " + rest
		}
		if u := safeURL(p.URL); u != "" {
			entry += "\n  " + u
		}
		entry += "\n"
		if b.Len()+len(entry) > ntfyMaxBody-40 {
			break
		}
		b.WriteString(entry)
		shown++
	}
	if more := moreCount(ev, shown); more > 0 {
		fmt.Fprintf(&b, "\n…and %d more\n", more)
	}
	h := http.Header{}
	h.Set("Title", headerText(clipText(count+": "+name, ntfyMaxTitle)))
	h.Set("Tags", "briefcase")
	click := safeURL(ev.Data.Search.URL)
	if len(ev.Data.Postings) == 1 || click == "" {
		if len(ev.Data.Postings) > 0 {
			if u := safeURL(ev.Data.Postings[0].URL); u != "" {
				click = u
			}
		}
	}
	if click != "" {
		h.Set("Click", click)
	}
	return Rendered{Body: []byte(b.String()), ContentType: "text/plain; charset=utf-8", Header: h}, nil
}

// headerText is one line of text as a header value: ASCII as is, other
// text as an RFC 2047 encoded word (ntfy decodes them, from 2.4.0).
func headerText(s string) string {
	s = clean(s, 1000)
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return mime.BEncoding.Encode("utf-8", s)
		}
	}
	return s
}
