package web_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// chromium finds a Chromium (Debian's package is /usr/bin/chromium).
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser starts a headless Chromium for the test. The flags keep it off
// the network (this machine has none beyond loopback) and let it run as root.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromium()
	if path == "" {
		t.Skip("the browser test needs Chromium (Debian: apt-get install -y chromium); skipping")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	return bctx
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// navigate runs an action that loads a page and waits for it.
func navigate(t *testing.T, ctx context.Context, what string, action chromedp.Action[chromedp.Void]) {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, action)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if resp.Status != 200 {
		t.Fatalf("%s: status %d", what, resp.Status)
	}
}

// screenshot writes a PNG of the whole page (or of the viewport, what a
// visitor sees first) and logs where. The directory is the test's temp dir,
// or $JOBCRAWL_SCREENSHOTS to keep the files.
func screenshot(t *testing.T, ctx context.Context, dir, name string, full bool) {
	t.Helper()
	shot := chromedp.CaptureScreenshot()
	if full {
		shot = chromedp.FullScreenshot(100)
	}
	png, err := chromedp.Run(ctx, shot)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

func TestSearchPageInBrowser(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t)
	dir := os.Getenv("JOBCRAWL_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	shownTotal := func() int {
		t.Helper()
		n, err := strconv.Atoi(eval[string](t, ctx, `document.getElementById("count").dataset.total`))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	hitsShown := func() int { t.Helper(); return eval[int](t, ctx, `document.querySelectorAll("li.hit").length`) }
	// facetShown is the count the page shows beside a facet value, -1 if absent.
	facetShown := func(field, value string) int {
		t.Helper()
		return eval[int](t, ctx, fmt.Sprintf(`(() => {
			const i = document.querySelector('input[name="f"][value=%q]');
			return i ? Number(i.parentElement.querySelector(".n").textContent) : -1;
		})()`, field+":"+value))
	}

	navigate(t, ctx, "open the search page", chromedp.Navigate(e.url+"/"))
	if got, want := shownTotal(), len(e.site.Truth().JobNumbers)+2; got != want {
		t.Errorf("open postings shown: %d, want %d", got, want)
	}

	// type a query
	navigate(t, ctx, "search", chromedp.SendKeys(chromedp.ID("q"), "engineer"+kb.Enter))
	want := search(t, e, "q=engineer&facet=job_family&limit=100")
	if got := shownTotal(); got != want.Total || want.Total == 0 {
		t.Errorf("hits for engineer: page says %d, the API %d", got, want.Total)
	}
	if got := hitsShown(); got != min(want.Total, 20) {
		t.Errorf("hits listed: %d, want %d", got, min(want.Total, 20))
	}
	loc := eval[string](t, ctx, `location.search`)
	if loc != "?q=engineer" {
		t.Errorf("address after searching: %q, want ?q=engineer (the script leaves empty fields out)", loc)
	}
	for fam, n := range want.Facets["job_family"] {
		if got := facetShown("job_family", fam); got != n {
			t.Errorf("job family %s: page shows %d, want %d", fam, got, n)
		}
	}

	// click a facet value, then a second one of the same facet (OR)
	families := sortedByCount(want.Facets["job_family"])
	if len(families) < 2 {
		t.Fatalf("the fixture needs two job families matching engineer: %v", want.Facets["job_family"])
	}
	first, second := families[0], families[1]
	navigate(t, ctx, "tick "+first, chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[value=%q]`, "job_family:"+first))))
	one := search(t, e, "q=engineer&filter="+url.QueryEscape("job_family:"+first)+"&limit=100")
	if got := shownTotal(); got != one.Total || got != want.Facets["job_family"][first] {
		t.Errorf("after ticking %s: page shows %d, API %d, facet said %d", first, got, one.Total, want.Facets["job_family"][first])
	}
	if got := hitsShown(); got != min(one.Total, 20) {
		t.Errorf("hits listed after ticking %s: %d", first, got)
	}
	if !eval[bool](t, ctx, fmt.Sprintf(`document.querySelector('input[value=%q]').checked`, "job_family:"+first)) {
		t.Errorf("%s is not ticked after the reload", first)
	}
	if got := facetShown("job_family", second); got != want.Facets["job_family"][second] {
		t.Errorf("%s's count while %s is ticked: %d, want %d (other values stay selectable)", second, first, got, want.Facets["job_family"][second])
	}
	navigate(t, ctx, "tick "+second, chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[value=%q]`, "job_family:"+second))))
	if got, sum := shownTotal(), want.Facets["job_family"][first]+want.Facets["job_family"][second]; got != sum {
		t.Errorf("%s or %s: page shows %d, want %d", first, second, got, sum)
	}
	if chips := eval[int](t, ctx, `document.querySelectorAll(".chips .chip").length`); chips != 2 {
		t.Errorf("active filter chips: %d, want 2", chips)
	}
	screenshot(t, ctx, dir, "search-desktop.png", true)
	screenshot(t, ctx, dir, "search-desktop-top.png", false)

	// sort by newest: choosing in the list reloads the results
	choose := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`(() => {
			const s = document.getElementById("sort");
			s.value = "newest";
			return s.dispatchEvent(new Event("change", {bubbles: true}));
		})()`)(ctx, tg)
		return err
	})
	navigate(t, ctx, "sort by newest", choose)
	dates := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("li.hit time")).map(t => t.getAttribute("datetime"))`)
	if len(dates) == 0 || !slices.IsSortedFunc(dates, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Errorf("dates after sorting by newest: %v", dates)
	}
	if q := eval[string](t, ctx, `location.search`); !strings.Contains(q, "sort=newest") || strings.Count(q, "f=job_family") != 2 {
		t.Errorf("address after sorting: %q, want the sort and both filters", q)
	}

	t.Run("phone", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
			t.Fatal(err)
		}
		navigate(t, ctx, "search on a phone", chromedp.Navigate(e.url+"/?q=engineer"))
		if eval[bool](t, ctx, `document.getElementById("filters").open`) {
			t.Error("the filters are unfolded on a phone with none active")
		}
		if w := eval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
			t.Errorf("the page is %dpx wider than the phone", w)
		}
		screenshot(t, ctx, dir, "search-phone.png", false)
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#filters > summary"))); err != nil {
			t.Fatal(err)
		}
		screenshot(t, ctx, dir, "search-phone-filters.png", false)
		navigate(t, ctx, "a posting on a phone", chromedp.Navigate(e.url+"/postings/"+xssID))
		if w := eval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
			t.Errorf("the posting page is %dpx wider than the phone", w)
		}
		screenshot(t, ctx, dir, "posting-phone.png", false)
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("crawled markup renders as text", func(t *testing.T) {
		navigate(t, ctx, "open the posting", chromedp.Navigate(e.url+"/postings/"+xssID))
		for _, global := range []string{"pwned", "imgPwned", "qualPwned"} {
			if got := eval[string](t, ctx, "typeof window."+global); got != "undefined" {
				t.Errorf("window.%s is %s: the posting's script ran", global, got)
			}
		}
		if n := eval[int](t, ctx, `document.querySelectorAll("img").length`); n != 0 {
			t.Errorf("%d img elements on the page, want none", n)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll("main script, main b, h1 i").length`); n != 0 {
			t.Errorf("%d elements from the posting's markup", n)
		}
		text := eval[string](t, ctx, `document.getElementById("description").textContent`)
		for _, s := range []string{`<script>window.pwned = 1</script>`, `<img src="/nope.png" onerror="window.imgPwned = 1">`} {
			if !strings.Contains(text, s) {
				t.Errorf("the description does not show %q as text:\n%s", s, text)
			}
		}
		if h1 := eval[string](t, ctx, `document.querySelector("h1").textContent`); !strings.Contains(h1, "Security Engineer <i>now</i>") {
			t.Errorf("title: %q", h1)
		}
		if n := eval[int](t, ctx, `Array.from(document.links).filter(a => !/^(https?:|\/)/.test(a.getAttribute("href"))).length`); n != 0 {
			t.Errorf("%d links that lead neither to a web page nor within the site (the posting's URL is javascript:)", n)
		}
		screenshot(t, ctx, dir, "posting-desktop.png", true)

		// the hit on the results page, too
		navigate(t, ctx, "search for it", chromedp.Navigate(e.url+"/?q=safe"))
		if n := eval[int](t, ctx, `document.querySelectorAll("img").length`); n != 0 || hitsShown() != 1 {
			t.Errorf("results page: %d img elements, %d hits", n, hitsShown())
		}
		if got := eval[string](t, ctx, "typeof window.pwned"); got != "undefined" {
			t.Error("the snippet's script ran")
		}
	})
}

// sortedByCount lists a facet's values, most frequent first.
func sortedByCount(counts map[string]int) []string {
	var out []string
	for v := range counts {
		out = append(out, v)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if counts[out[j]] > counts[out[i]] || counts[out[j]] == counts[out[i]] && out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
