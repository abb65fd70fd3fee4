package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestProblemShape(t *testing.T) {
	cases := []struct {
		status          int
		kind            string
		wantType, title string
	}{
		{400, "", problemBase + "bad-request", "Bad request"},
		{404, "", problemBase + "not-found", "Not found"},
		{403, "", problemBase + "forbidden", "Forbidden"},
		{403, problemCrossOrigin, problemBase + "cross-origin", "Cross-origin request refused"},
		{503, "", problemBase + "unavailable", "Service unavailable"},
		{418, "", "about:blank", "I'm a teapot"}, // a status without a type of its own
		{499, "", "about:blank", "Error"},        // one without even a status text
	}
	for _, c := range cases {
		w := httptest.NewRecorder()
		writeProblem(w, nil, c.status, c.kind, `no posting with id "x"`)
		if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%d: Content-Type %q, want application/problem+json", c.status, ct)
		}
		if w.Code != c.status {
			t.Errorf("status %d, want %d", w.Code, c.status)
		}
		var p map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		if p["type"] != c.wantType || p["title"] != c.title || p["status"] != float64(c.status) ||
			p["detail"] != `no posting with id "x"` || p["error"] != p["detail"] {
			t.Errorf("%d %q: got %v, want type %s, title %q, detail = error", c.status, c.kind, p, c.wantType, c.title)
		}
		if _, ok := p["instance"]; ok {
			t.Errorf("%d: instance without a request: %v", c.status, p)
		}
	}
}

func TestProblemEscapesMarkup(t *testing.T) {
	w := httptest.NewRecorder()
	writeError(w, http.StatusBadRequest, `cannot sort by "<script>"`)
	if strings.Contains(w.Body.String(), "<script>") {
		t.Errorf("markup written as is: %s", w.Body)
	}
}

func TestProblemInstance(t *testing.T) {
	cases := []struct{ path, want string }{
		{"/api/sites/acme/run", "/api/sites/acme/run"},
		{"/api/postings/" + strings.Repeat("x", 100), "/api/postings/" + strings.Repeat("x", echoLen-len("/api/postings/")) + "%E2%80%A6"},
		// never cut inside a %-escape
		{"/api/sites/" + strings.Repeat("é", 20), "/api/sites/" + strings.Repeat("%C3%A9", 4) + "%E2%80%A6"},
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodPost, "http://h"+c.path, nil)
		w := httptest.NewRecorder()
		writeProblem(w, r, http.StatusForbidden, problemCrossOrigin, "refused")
		var p apiError
		json.Unmarshal(w.Body.Bytes(), &p)
		if p.Instance != c.want {
			t.Errorf("instance of %.30s…: got %q, want %q", c.path, p.Instance, c.want)
		}
	}
}
