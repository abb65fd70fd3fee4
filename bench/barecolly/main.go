// Command barecolly is the baseline of the crawl benchmark: a bare colly
// crawl of a careers site that walks the result pages, follows the job
// links and parses every page, and does nothing else (no extraction, no
// merging, no index). bench/crawlbench runs it beside jobcrawl on the same
// site and compares their CPU per page.
package main

import (
	"flag"
	"fmt"
	"os"
	"sync/atomic"

	"github.com/gocolly/colly/v2"
)

func main() {
	start := flag.String("start", "", "first result page")
	next := flag.String("next", "a[rel=next]", "CSS selector of the next-page link")
	links := flag.String("links", ".job-title a", "CSS selector of the job links")
	parallelism := flag.Int("parallelism", 8, "requests in flight")
	flag.Parse()
	if *start == "" {
		fmt.Fprintln(os.Stderr, "barecolly: -start is required")
		os.Exit(2)
	}
	c := colly.NewCollector(colly.Async(true))
	c.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: *parallelism})
	var pages, errs atomic.Int64
	c.OnResponse(func(*colly.Response) { pages.Add(1) })
	c.OnError(func(*colly.Response, error) { errs.Add(1) })
	c.OnHTML(*next, func(e *colly.HTMLElement) { e.Request.Visit(e.Attr("href")) })
	c.OnHTML(*links, func(e *colly.HTMLElement) { e.Request.Visit(e.Attr("href")) })
	c.Visit(*start)
	c.Wait()
	fmt.Printf("{\"pages\":%d,\"errors\":%d}\n", pages.Load(), errs.Load())
}
