package crawler

import (
	"net/url"
	"testing"
)

func TestCanonicalizer(t *testing.T) {
	c := NewCanonicalizer("campaign")
	base, _ := url.Parse("https://Careers.Example.com/search?pg=2")
	cases := []struct{ in, want string }{
		{"/jobs/1?utm_source=x&utm_medium=y", "https://careers.example.com/jobs/1"},
		{"/jobs/1#apply", "https://careers.example.com/jobs/1"},
		{"/jobs/1?b=2&a=1&gclid=zz", "https://careers.example.com/jobs/1?a=1&b=2"},
		{"/jobs/1?src=similar&campaign=fall&lang=en", "https://careers.example.com/jobs/1?lang=en"},
		{"HTTPS://CAREERS.EXAMPLE.COM:443/jobs/1?", "https://careers.example.com/jobs/1"},
		{"//careers.example.com/jobs/2", "https://careers.example.com/jobs/2"},
		{"jobs/3", "https://careers.example.com/jobs/3"},
		{"mailto:hr@example.com", ""},
		{"javascript:apply()", ""},
		{"#top", ""},
	}
	for _, tc := range cases {
		if got := c.String(base, tc.in); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}
