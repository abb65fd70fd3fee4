package extract_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/jobcrawl/jobcrawl/extract"
)

// TEMPORARY: byte-for-byte output snapshot; delete before commit.
func TestZZSnapshot(t *testing.T) {
	out := os.Getenv("SNAP_OUT")
	if out == "" {
		t.Skip("SNAP_OUT unset")
	}
	os.MkdirAll(out, 0o755)
	urls := map[string]string{}
	for _, pg := range benchPages {
		urls[pg.file] = pg.url
	}
	var files []string
	for _, g := range []string{"testdata/*.html", "testdata/bench_pages/*", "/tmp/snap/pages/*.html", "/work/shared/corpus/html/*"} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	n := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		u := urls[f]
		if u == "" {
			u = "https://careers.contoso.example/jobs/x"
		}
		if b, err := os.ReadFile(strings.TrimSuffix(f, ".html") + ".url"); err == nil {
			u = strings.TrimSpace(string(b))
			if strings.HasPrefix(u, "/") {
				u = "https://jobs.contoso.example" + u
			}
		}
		for _, v := range []struct {
			suffix string
			page   []byte
		}{{"", raw}, {".nold", withoutJSONLD(raw)}} {
			opts := extract.Options{URL: u, Now: crawlTime}
			res := map[string]any{}
			ps, err := extract.Parse(bytes.NewReader(v.page), opts)
			res["parse"] = ps
			if err != nil {
				res["parse_err"] = err.Error()
			}
			root, err := html.Parse(bytes.NewReader(v.page))
			if err == nil {
				o := opts
				o.Raw = v.page
				ps, err = extract.HTML(root, o)
				res["html"] = ps
				if err != nil {
					res["html_err"] = err.Error()
				}
			}
			js, _ := json.MarshalIndent(res, "", " ")
			name := strings.ReplaceAll(strings.TrimPrefix(f, "/"), "/", "_") + v.suffix + ".json"
			if err := os.WriteFile(filepath.Join(out, name), js, 0o644); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	t.Logf("%d snapshots", n)
}
