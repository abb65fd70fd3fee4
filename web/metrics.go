package web

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jobcrawl/jobcrawl/daemon"
	"github.com/jobcrawl/jobcrawl/internal/htmlfast"
)

// outcomes and postingOutcomes are always exported, at 0 when nothing
// happened, so that rates and alerts work from the first scrape.
var (
	outcomes        = []string{daemon.OutcomeOK, daemon.OutcomeIncomplete, daemon.OutcomeFailed, daemon.OutcomeCancelled}
	postingOutcomes = []string{"new", "updated", "unchanged", "closed", "reopened"}
)

// metrics is GET /metrics, in the Prometheus text exposition format
// (version 0.0.4). Counters add up the runs that finished since the daemon
// started.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	m := &promWriter{w: bw}
	sites := s.sites.Sites()

	m.family("jobcrawl_pages_fetched_total", "counter", "Result and posting pages fetched by finished runs.")
	for _, st := range sites {
		m.sample("", float64(st.Totals.Pages), "site", st.Name)
	}
	m.family("jobcrawl_requests_total", "counter", "HTTP requests made by finished runs, retries included.")
	for _, st := range sites {
		m.sample("", float64(st.Totals.Requests), "site", st.Name)
	}
	m.family("jobcrawl_postings_total", "counter", "Postings written by finished runs, by outcome (new, updated, unchanged, closed, reopened).")
	for _, st := range sites {
		for _, o := range postingOutcomes {
			m.sample("", float64(st.Totals.Postings[o]), "site", st.Name, "outcome", o)
		}
	}
	m.family("jobcrawl_pages_rejected_total", "counter", "Fetched pages that were not indexed (not a posting, too large, truncated).")
	for _, st := range sites {
		m.sample("", float64(st.Totals.Rejected), "site", st.Name)
	}
	m.family("jobcrawl_errors_total", "counter", "Requests that failed after their retries, by kind (http_503, timeout, connection...).")
	for _, st := range sites {
		for _, kind := range sortedKeys(st.Totals.Errors) {
			m.sample("", float64(st.Totals.Errors[kind]), "site", st.Name, "kind", kind)
		}
	}
	m.family("jobcrawl_runs_total", "counter", "Finished runs, by outcome (ok, incomplete, failed, cancelled).")
	for _, st := range sites {
		for _, o := range outcomes {
			m.sample("", float64(st.Totals.Runs[o]), "site", st.Name, "outcome", o)
		}
	}
	m.family("jobcrawl_runs_skipped_total", "counter", "Scheduled runs skipped: the site's previous run was still going, or coordination was unreachable.")
	for _, st := range sites {
		m.sample("", float64(st.Skipped), "site", st.Name)
	}
	m.family("jobcrawl_site_lease_held", "gauge", "1 when this daemon holds the site's lease (crawls it now).")
	for _, st := range sites {
		held := 0.0
		if st.Lease != nil && st.Lease.Mine {
			held = 1
		}
		m.sample("", held, "site", st.Name)
	}
	if c, ok := s.sites.(interface{ Coordination() daemon.CoordStats }); ok {
		cs := c.Coordination()
		m.family("jobcrawl_coordination_backend_info", "gauge", "The coordination backend (local or redis).")
		m.sample("", 1, "backend", cs.Backend)
		m.family("jobcrawl_tick_claims_total", "counter", "Scheduled ticks by claim result: won (run here), lost (another daemon's), error (backend unreachable: skipped).")
		for _, r := range []string{"won", "lost", "error"} {
			m.sample("", float64(cs.TickClaims[r]), "result", r)
		}
		m.family("jobcrawl_leases_total", "counter", "Site leases: acquired, busy (held by another daemon), lost (renewal failed: the run stopped).")
		for _, ev := range []string{"acquired", "busy", "lost"} {
			m.sample("", float64(cs.Leases[ev]), "event", ev)
		}
		m.family("jobcrawl_commits_rejected_total", "counter", "Run commits (closes, deletes) refused by the fence: a newer lease of the site existed.")
		m.sample("", float64(cs.CommitsRejected))
		m.family("jobcrawl_coordination_errors_total", "counter", "Calls to the coordination backend that failed.")
		m.sample("", float64(cs.Errors))
	}
	m.family("jobcrawl_run_duration_seconds", "histogram", "How long finished runs took.")
	for _, st := range sites {
		t := st.Totals
		for i, le := range daemon.DurationBuckets {
			n := 0
			if i < len(t.DurationBuckets) {
				n = t.DurationBuckets[i]
			}
			m.sample("_bucket", float64(n), "site", st.Name, "le", formatFloat(le))
		}
		m.sample("_bucket", float64(t.DurationCount), "site", st.Name, "le", "+Inf")
		m.sample("_sum", t.DurationSum, "site", st.Name)
		m.sample("_count", float64(t.DurationCount), "site", st.Name)
	}
	m.family("jobcrawl_last_success_timestamp_seconds", "gauge", "When the site's last successful run (ok or incomplete) finished, in Unix seconds; absent before the first.")
	for _, st := range sites {
		if st.LastSuccess != nil {
			m.sample("", unixSeconds(*st.LastSuccess), "site", st.Name)
		}
	}
	m.family("jobcrawl_next_run_timestamp_seconds", "gauge", "When the site's schedule fires next, in Unix seconds; absent for sites without a schedule.")
	for _, st := range sites {
		if st.NextRun != nil {
			m.sample("", unixSeconds(*st.NextRun), "site", st.Name)
		}
	}
	m.family("jobcrawl_site_running", "gauge", "1 while a run of the site is in progress, else 0.")
	for _, st := range sites {
		running := 0.0
		if st.State == daemon.StateRunning {
			running = 1
		}
		m.sample("", running, "site", st.Name)
	}

	g := s.gate
	m.family("jobcrawl_search_in_flight", "gauge", "Searches running (API and search page).")
	m.sample("", float64(g.running()))
	m.family("jobcrawl_search_queued", "gauge", "Searches waiting for a slot under search.max_concurrent.")
	m.sample("", float64(g.waiting.Load()))
	m.family("jobcrawl_search_max_concurrent", "gauge", "search.max_concurrent: searches that may run at once.")
	m.sample("", float64(cap(g.slots)))
	m.family("jobcrawl_search_rejected_total", "counter", "Searches answered 503, by reason (queue_full, queue_timeout).")
	m.sample("", float64(g.rejectedFull.Load()), "reason", rejectQueueFull)
	m.sample("", float64(g.rejectedTimer.Load()), "reason", rejectQueueTimeout)

	m.family("jobcrawl_pages_parsed_total", "counter", "HTML pages parsed, by the parser that built their tree (fast: internal/htmlfast; x_net_html: a page the fast parser handed over).")
	fallbacks := htmlfast.Fallbacks.Load()
	m.sample("", float64(htmlfast.Parsed.Load()-fallbacks), "parser", "fast")
	m.sample("", float64(fallbacks), "parser", "x_net_html")

	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	s.deliveryMetrics(ctx, m) // when the server was given the webhook deliveries
	s.writeExportMetrics(m)   // the exports of GET /api/export
	if is, err := s.index.Stats(ctx); err != nil {
		s.log.Warn("metrics: the index does not answer", "error", err)
	} else {
		m.family("jobcrawl_index_documents", "gauge", "Records in the index, open and closed.")
		m.sample("", float64(is.Documents))
		m.family("jobcrawl_index_size_bytes", "gauge", "Size of the index on disk, when the backend knows it.")
		m.sample("", float64(is.SizeBytes))
	}
}

// promWriter writes metric families: a HELP and a TYPE line, then samples.
type promWriter struct {
	w    *bufio.Writer
	name string
}

func (m *promWriter) family(name, typ, help string) {
	m.name = name
	fmt.Fprintf(m.w, "# HELP %s %s\n# TYPE %s %s\n", name, escapeHelp(help), name, typ)
}

// sample writes one sample of the current family; suffix is "" or a
// histogram's _bucket, _sum, _count; labels are name, value pairs.
func (m *promWriter) sample(suffix string, v float64, labels ...string) {
	m.w.WriteString(m.name + suffix)
	if len(labels) > 0 {
		m.w.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				m.w.WriteByte(',')
			}
			m.w.WriteString(labels[i] + `="` + escapeLabel(labels[i+1]) + `"`)
		}
		m.w.WriteByte('}')
	}
	m.w.WriteString(" " + formatFloat(v) + "\n")
}

var (
	labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }
func escapeHelp(s string) string  { return helpEscaper.Replace(s) }

func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	case math.Abs(v) < 1e15:
		return strconv.FormatFloat(v, 'f', -1, 64) // 1764230400.5, not 1.7642304005e+09
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
