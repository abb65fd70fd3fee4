package onboard

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestPostingPattern(t *testing.T) {
	tests := []struct{ raw, num, want string }{
		{"https://jobs.example.com/careers/job/12345-senior-engineer", "12345", `^https?://jobs\.example\.com/careers/job/[^/?#]+`},
		{"https://jobs.example.com/en/posting/abc", "", `^https?://jobs\.example\.com/en/posting/[^/?#]+`},
	}
	for _, tc := range tests {
		u, _ := url.Parse(tc.raw)
		if got := postingPattern(u, tc.num); got != tc.want {
			t.Errorf("postingPattern(%s, %s): got %q, want %q", tc.raw, tc.num, got, tc.want)
		}
	}
}

func TestRecognizeNeedsNoRequest(t *testing.T) {
	sug, ok := Recognize("https://jobs.lever.co/leverdemo/5ac21346")
	if !ok || sug.Site.Platform != "lever" || sug.Site.Board != "leverdemo" || sug.How == "" {
		t.Errorf("got %+v, %v", sug, ok)
	}
	if _, ok := Recognize("https://careers.example.com/"); ok {
		t.Error("a plain careers URL recognised as a platform")
	}
}

// TestSuggestFollowsAMoveToAPlatform: a careers page that redirects to a
// platform's board is recognised by the URL it moves to, with no request to
// the platform.
func TestSuggestFollowsAMoveToAPlatform(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		http.Redirect(w, r, "https://boards.greenhouse.io/vaulttec", http.StatusFound)
	}))
	defer srv.Close()
	sug, err := Suggest(context.Background(), srv.URL+"/careers", Options{})
	if err != nil || sug.Site.Platform != "greenhouse" || sug.Site.Board != "vaulttec" || !strings.Contains(sug.How, "redirects there") {
		t.Errorf("got %+v, %v", sug, err)
	}
}

func TestSuggestNotRecognized(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<html><body><h1>About us</h1></body></html>")
	}))
	defer srv.Close()
	_, err := Suggest(context.Background(), srv.URL+"/about", Options{})
	if err == nil || !strings.Contains(err.Error(), "not recognised") {
		t.Errorf("got %v, want not recognised", err)
	}
}
