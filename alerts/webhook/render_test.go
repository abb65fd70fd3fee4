package webhook_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jobcrawl/jobcrawl/alerts/webhook"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/")

// golden compares got with testdata/name (or writes it with -update).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n got: %s\nwant: %s", name, got, want)
	}
}

func readEvent(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/event.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func render(t *testing.T, format string, body []byte) webhook.Rendered {
	t.Helper()
	r, err := webhook.Render(format, body)
	if err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	again, _ := webhook.Render(format, body)
	if !bytes.Equal(r.Body, again.Body) {
		t.Errorf("%s: two renderings differ: a retry would not send the same bytes", format)
	}
	return r
}

func TestRenderStandardIsTheBody(t *testing.T) {
	body := readEvent(t)
	for _, f := range []string{"", "standard"} {
		if r := render(t, f, body); !bytes.Equal(r.Body, body) || r.ContentType != "application/json" {
			t.Errorf("format %q changed the body or its type (%s)", f, r.ContentType)
		}
	}
}

func TestRenderSlack(t *testing.T) {
	r := render(t, "slack", readEvent(t))
	golden(t, "event.slack.json", r.Body)
	var msg struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type string `json:"type"`
			Text *struct {
				Type, Text string
			} `json:"text"`
			Elements []struct{ Type, Text string } `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(r.Body, &msg); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(msg.Text, "15 new postings for saved search Go &lt;in&gt; Berlin &amp;") {
		t.Errorf("text %q", msg.Text)
	}
	if len(msg.Blocks) != 1+13+1 || len(msg.Blocks) > 50 {
		t.Errorf("%d blocks, want a head, 13 postings and a context", len(msg.Blocks))
	}
	first := msg.Blocks[1].Text.Text
	if !strings.Contains(first, "&lt;script&gt;alert(1)&lt;/script&gt; &amp;") || strings.Contains(first, "<script") {
		t.Errorf("posting title not escaped: %q", first)
	}
	if !strings.HasPrefix(first, "*<https://jobs.example.com/r-1001?src=a&amp;b=c%7Cd|") {
		t.Errorf("posting link %q", first)
	}
	if second := msg.Blocks[2].Text.Text; strings.Contains(second, "javascript") || strings.Contains(second, "\n  ") {
		t.Errorf("second posting %q: a javascript: URL must not be a link", second)
	}
	for _, b := range msg.Blocks {
		if b.Text != nil && utf8.RuneCountInString(b.Text.Text) > 3000 {
			t.Errorf("a section of %d characters", utf8.RuneCountInString(b.Text.Text))
		}
	}
	if last := msg.Blocks[len(msg.Blocks)-1]; last.Type != "context" || last.Elements[0].Text != "…and 2 more" {
		t.Errorf("last block %+v, want …and 2 more", last)
	}
}

func TestRenderDiscord(t *testing.T) {
	r := render(t, "discord", readEvent(t))
	golden(t, "event.discord.json", r.Body)
	var msg struct {
		Content string `json:"content"`
		Embeds  []struct {
			Title, URL, Description string
		} `json:"embeds"`
		AllowedMentions struct {
			Parse []string `json:"parse"`
		} `json:"allowed_mentions"`
	}
	if err := json.Unmarshal(r.Body, &msg); err != nil {
		t.Fatal(err)
	}
	if len(msg.Embeds) != 10 {
		t.Errorf("%d embeds, want 10 (Discord's limit)", len(msg.Embeds))
	}
	if msg.AllowedMentions.Parse == nil || len(msg.AllowedMentions.Parse) != 0 {
		t.Errorf("allowed_mentions.parse %v, want []: no pings", msg.AllowedMentions.Parse)
	}
	if n := utf8.RuneCountInString(msg.Content); n > 2000 || !strings.Contains(msg.Content, "(showing 10; 5 more)") {
		t.Errorf("content %q (%d characters)", msg.Content, n)
	}
	total := 0
	for _, e := range msg.Embeds {
		if n := utf8.RuneCountInString(e.Title); n > 256 {
			t.Errorf("a title of %d characters", n)
		}
		total += utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description)
	}
	if total > 6000 {
		t.Errorf("embeds hold %d characters, over Discord's 6000", total)
	}
	if e := msg.Embeds[0]; !strings.Contains(e.Title, `\*Ops\*`) || !strings.Contains(e.Title, `\[x\]\(https`) || strings.Contains(e.Title, "@everyone") {
		t.Errorf("first title not escaped: %q", e.Title)
	}
	if msg.Embeds[1].URL != "" {
		t.Errorf("javascript: URL kept: %q", msg.Embeds[1].URL)
	}
	if strings.ContainsAny(msg.Embeds[1].Title, "\n\u202e") {
		t.Errorf("title %q keeps a line break or a bidi override", msg.Embeds[1].Title)
	}
}

func TestRenderNtfy(t *testing.T) {
	r := render(t, "ntfy", readEvent(t))
	var head bytes.Buffer
	for _, k := range []string{"Title", "Tags", "Click"} {
		head.WriteString(k + ": " + r.Header.Get(k) + "\n")
	}
	golden(t, "event.ntfy.txt", append(head.Bytes(), append([]byte("\n"), r.Body...)...))
	if r.ContentType != "text/plain; charset=utf-8" {
		t.Errorf("content type %q", r.ContentType)
	}
	title, err := new(mime.WordDecoder).DecodeHeader(r.Header.Get("Title"))
	if err != nil || !strings.HasPrefix(title, "15 new postings: Go <in> Berlin") {
		t.Errorf("title %q (%v)", title, err)
	}
	if r.Header.Get("Click") != "https://jobs.example.com/r-1001?src=a&b=c|d" {
		t.Errorf("click %q", r.Header.Get("Click"))
	}
	if len(r.Body) > 4096 {
		t.Errorf("body of %d bytes: ntfy makes it an attachment", len(r.Body))
	}
	// non-ASCII titles are RFC 2047 words
	one := []byte(`{"type":"postings.new","data":{"search":{"id":"s","name":"Zürich"},"postings":[{"title":"Ingénieur","url":"https://x.example/1"}]}}`)
	r = render(t, "ntfy", one)
	if h := r.Header.Get("Title"); !strings.HasPrefix(h, "=?utf-8?b?") {
		t.Errorf("title header %q, want an RFC 2047 word", h)
	}
}

func TestRenderRefusesWhatItCannotRead(t *testing.T) {
	if _, err := webhook.Render("slack", []byte("not json")); err == nil {
		t.Error("slack rendering of a body that is not the event JSON: no error")
	}
	if _, err := webhook.Render("teams", []byte("{}")); err == nil || !strings.Contains(err.Error(), "standard, slack, discord, ntfy") {
		t.Errorf("unknown format: %v", err)
	}
}
