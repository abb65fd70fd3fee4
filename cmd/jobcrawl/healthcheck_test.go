package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthcheck(t *testing.T) {
	healthy := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		if !healthy {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"status":"failing"}`))
			return
		}
		w.Write([]byte(`{"status":"ok"}`))
	}))
	defer srv.Close()
	if code, out, errOut := jobcrawl(t, "healthcheck", "--server", srv.URL); code != exitOK || !strings.Contains(out, `"ok"`) {
		t.Errorf("healthy: exit %d, %q %q", code, out, errOut)
	}
	healthy = false
	if code, _, _ := jobcrawl(t, "healthcheck", "--server", srv.URL); code != exitSiteFailed {
		t.Errorf("unhealthy: exit %d, want %d", code, exitSiteFailed)
	}
	srv.Close()
	if code, _, _ := jobcrawl(t, "healthcheck", "--server", srv.URL, "--timeout", "1s"); code != exitSiteFailed {
		t.Errorf("no daemon: exit %d, want %d", code, exitSiteFailed)
	}
	if code, _, _ := jobcrawl(t, "healthcheck", "--server", "ftp://x"); code != exitUsage {
		t.Errorf("a bad URL: exit %d, want %d", code, exitUsage)
	}
}
