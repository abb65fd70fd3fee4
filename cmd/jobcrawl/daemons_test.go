package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/index/meili/meilitest"
	"github.com/jobcrawl/jobcrawl/internal/demosite"
	"github.com/jobcrawl/jobcrawl/internal/redistest"
)

// This file runs several `jobcrawl daemon` processes against one real
// redis-server, one Meilisearch (the fake) and loopback careers sites that
// know which daemon sent each request, and checks what "Running several
// daemons" in docs/daemon.md promises.

// hit is one request a careers site received.
type hit struct {
	at     time.Time
	site   string
	daemon string // "" when the sender was not found
}

// sites are loopback careers sites on one host (127.0.0.1, one port each)
// that record who asked what, and when.
type sites struct {
	mu       sync.Mutex
	hits     []hit
	inFlight map[string]map[string]int // site → daemon → requests in flight
	overlaps []string                  // two daemons crawling one site at once
	pids     map[int]string            // daemon processes by pid
	delay    map[string]time.Duration  // extra time a site takes per request
	servers  map[string]*httptest.Server
}

type daemonKey struct{}

func newSites() *sites {
	return &sites{inFlight: map[string]map[string]int{}, pids: map[int]string{}, delay: map[string]time.Duration{},
		servers: map[string]*httptest.Server{}}
}

// add serves a demo careers site under name.
func (s *sites) add(t *testing.T, name string, site *demosite.Site) *httptest.Server {
	h := site.Handler()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, _ := r.Context().Value(daemonKey{}).(string)
		s.begin(name, d)
		defer s.end(name, d)
		s.mu.Lock()
		delay := s.delay[name]
		s.mu.Unlock()
		time.Sleep(delay)
		h.ServeHTTP(w, r)
	}))
	srv.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		return context.WithValue(ctx, daemonKey{}, s.owner(c))
	}
	srv.Start()
	t.Cleanup(srv.Close)
	s.servers[name] = srv
	return srv
}

func (s *sites) begin(site, daemon string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits = append(s.hits, hit{at: time.Now(), site: site, daemon: daemon})
	m := s.inFlight[site]
	if m == nil {
		m = map[string]int{}
		s.inFlight[site] = m
	}
	m[daemon]++
	if len(m) > 1 {
		s.overlaps = append(s.overlaps, fmt.Sprintf("%s: %v at %s", site, m, time.Now().Format("15:04:05.000")))
	}
}

func (s *sites) end(site, daemon string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.inFlight[site]
	if m[daemon]--; m[daemon] == 0 {
		delete(m, daemon)
	}
}

// setDelay makes a site slow (or fast again).
func (s *sites) setDelay(site string, d time.Duration) {
	s.mu.Lock()
	s.delay[site] = d
	s.mu.Unlock()
}

// track registers a daemon process.
func (s *sites) track(pid int, name string) {
	s.mu.Lock()
	s.pids[pid] = name
	s.mu.Unlock()
}

// since are the hits after t, and the overlaps seen so far.
func (s *sites) since(t time.Time) ([]hit, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []hit
	for _, h := range s.hits {
		if h.at.After(t) {
			out = append(out, h)
		}
	}
	return out, slices.Clone(s.overlaps)
}

// owner finds the daemon whose socket is the other end of c, through
// /proc: the connection's client port names a socket inode, held open by
// one process.
func (s *sites) owner(c net.Conn) string {
	client, ok1 := c.RemoteAddr().(*net.TCPAddr)
	server, ok2 := c.LocalAddr().(*net.TCPAddr)
	if !ok1 || !ok2 {
		return ""
	}
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return ""
	}
	inode := ""
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 9 && procPort(f[1]) == client.Port && procPort(f[2]) == server.Port {
			inode = f[9]
			break
		}
	}
	if inode == "" || inode == "0" {
		return ""
	}
	target := "socket:[" + inode + "]"
	s.mu.Lock()
	pids := maps2slice(s.pids)
	s.mu.Unlock()
	for _, p := range pids {
		dir := fmt.Sprintf("/proc/%d/fd", p.pid)
		fds, _ := os.ReadDir(dir)
		for _, fd := range fds {
			if l, _ := os.Readlink(dir + "/" + fd.Name()); l == target {
				return p.name
			}
		}
	}
	return ""
}

type pidName struct {
	pid  int
	name string
}

func maps2slice(m map[int]string) []pidName {
	out := make([]pidName, 0, len(m))
	for p, n := range m {
		out = append(out, pidName{p, n})
	}
	return out
}

// procPort reads the port of an address in /proc/net/tcp ("0100007F:1F90").
func procPort(addr string) int {
	_, hex, _ := strings.Cut(addr, ":")
	n, _ := strconv.ParseInt(hex, 16, 32)
	return int(n)
}

// daemonProc is one `jobcrawl daemon` process.
type daemonProc struct {
	name string
	cmd  *exec.Cmd
	log  *syncBuffer
	url  string // its HTTP address
	done chan struct{}
	err  error // how it exited, once done is closed
}

// startDaemon starts `jobcrawl daemon` as a process named name.
func startDaemon(t *testing.T, s *sites, cfg, name string) *daemonProc {
	t.Helper()
	d := &daemonProc{name: name, log: &syncBuffer{}, done: make(chan struct{})}
	d.cmd = exec.Command(os.Args[0], "daemon", "--config", cfg, "--listen", "127.0.0.1:0", "--log-format", "json")
	d.cmd.Env = append(os.Environ(), runMainEnv+"=1", "JOBCRAWL_ID="+name, "JOBCRAWL_TEST_MEILI_KEY="+testMeiliKey)
	d.cmd.Stderr = d.log
	d.cmd.Stdout = io.Discard
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.track(d.cmd.Process.Pid, name)
	go func() {
		d.err = d.cmd.Wait()
		close(d.done)
	}()
	t.Cleanup(func() {
		d.cmd.Process.Signal(syscall.SIGCONT)
		d.cmd.Process.Kill()
		<-d.done
		if t.Failed() {
			t.Logf("log of %s:\n%s", name, tail(d.log.String(), 60))
		}
	})
	poll(t, name+" listening", func() bool {
		for _, e := range d.entries() {
			if e.Msg == "daemon started" && e.Listen != "" {
				d.url = e.Listen
				return true
			}
		}
		select {
		case <-d.done:
			t.Fatalf("%s exited at start: %v\n%s", name, d.err, d.log.String())
		default:
		}
		return false
	})
	return d
}

func tail(s string, lines int) string {
	l := strings.Split(s, "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

// logEntry is what the tests read of a daemon's JSON log lines.
type logEntry struct {
	Time      time.Time `json:"time"`
	Msg       string    `json:"msg"`
	Site      string    `json:"site"`
	Trigger   string    `json:"trigger"`
	Scheduled time.Time `json:"scheduled"`
	Token     int64     `json:"lease_token"`
	Outcome   string    `json:"outcome"`
	Listen    string    `json:"listen"`
	Error     string    `json:"error"`
	Reason    string    `json:"reason"`
}

func (d *daemonProc) entries() []logEntry {
	var out []logEntry
	sc := bufio.NewScanner(strings.NewReader(d.log.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e logEntry
		if json.Unmarshal(sc.Bytes(), &e) == nil {
			out = append(out, e)
		}
	}
	return out
}

// alive reports whether the process has not exited.
func (d *daemonProc) alive() bool {
	select {
	case <-d.done:
		return false
	default:
		return true
	}
}

// metric reads one sample of the daemon's /metrics ("" labels: the first).
func (d *daemonProc) metric(t *testing.T, name string) float64 {
	t.Helper()
	resp, err := http.Get(d.url + "/metrics")
	if err != nil {
		t.Fatalf("%s /metrics: %v", d.name, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	total := 0.0
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, name+" ") || strings.HasPrefix(line, name+"{") {
			f := strings.Fields(line)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			total += v
		}
	}
	return total
}

// runSpan is one run of a site as the daemons' logs tell it.
type runSpan struct {
	daemon, site      string
	scheduled         time.Time
	token             int64
	started, finished time.Time // finished zero: not (yet) finished
	outcome           string
}

// runs gathers the runs every daemon logged.
func runs(ds []*daemonProc) []runSpan {
	var out []runSpan
	for _, d := range ds {
		open := map[string]int{}
		for _, e := range d.entries() {
			switch e.Msg {
			case "run started":
				open[e.Site] = len(out)
				out = append(out, runSpan{daemon: d.name, site: e.Site, scheduled: e.Scheduled, token: e.Token, started: e.Time})
			case "run finished", "run failed", "run finished, closing nothing":
				if i, ok := open[e.Site]; ok {
					out[i].finished, out[i].outcome = e.Time, e.Outcome
					delete(open, e.Site)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b runSpan) int { return a.started.Compare(b.started) })
	return out
}

// runningAt reports whether one of the runs was in progress at t.
func runningAt(rs []runSpan, t time.Time) bool {
	for _, r := range rs {
		if r.started.Before(t) && (r.finished.IsZero() || r.finished.After(t)) {
			return true
		}
	}
	return false
}

// maxInWindow is the most hits any window of length w holds.
func maxInWindow(hits []hit, w time.Duration) int {
	times := make([]time.Time, len(hits))
	for i, h := range hits {
		times[i] = h.at
	}
	slices.SortFunc(times, time.Time.Compare)
	best, j := 0, 0
	for i := range times {
		for times[i].Sub(times[j]) >= w {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

// TestSeveralDaemons runs three daemons sharing one config, one Redis and
// one Meilisearch, over three sites on one host with a shared rate, and
// then kills, pauses and cuts off what they depend on.
func TestSeveralDaemons(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three daemon processes for about a minute")
	}
	if runtime.GOOS != "linux" {
		t.Skip("tells the daemons' requests apart through /proc (Linux only)")
	}
	redisAddr, stopRedis, restartRedis := redistest.Start(t)
	meili := meilitest.New(t, meilitest.Options{Key: testMeiliKey})
	t.Setenv("MEILI_URL", "")

	const (
		tick     = 2 * time.Second
		leaseTTL = 2 * time.Second
		rate     = 25 // requests per second to 127.0.0.1, over every site and daemon
	)
	s := newSites()
	names := []string{"alpha", "bravo", "charlie"}
	jobs := map[string]int{"alpha": 10, "bravo": 8, "charlie": 6}
	var siteBlocks strings.Builder
	for i, name := range names {
		site := demosite.New(demosite.Options{Jobs: jobs[name], PerPage: 6, Dups: -1, Seed: uint64(70 + i),
			Company: strings.ToUpper(name[:1]) + name[1:]})
		srv := s.add(t, name, site)
		fmt.Fprintf(&siteBlocks, `
  - name: %s
    schedule: "*/2 * * * * *"
    start_urls: [%q]
    pagination: {next: "a[rel=next]"}
    job_links: "a.job-title"
    limits: {parallelism: 4, timeout: 5s}
`, name, demosite.StartURL(srv.URL))
	}
	cfg := meiliConfig(t, meili.URL, fmt.Sprintf(`
data_dir: ./data
max_concurrent_sites: 3
coordination:
  backend: redis
  url: redis://%s/0
  prefix: jc-test
  lease_ttl: %s
hosts:
  - {host: 127.0.0.1, rate: %d/s}
sites:%s`, redisAddr, leaseTTL, rate, siteBlocks.String()))

	top := t // daemons started in a step live until the whole test ends
	var ds []*daemonProc
	for i := range 3 {
		ds = append(ds, startDaemon(t, s, cfg, fmt.Sprintf("d%d", i+1)))
	}
	start := time.Now()

	t.Run("each tick runs once, one crawler per site", func(t *testing.T) {
		time.Sleep(5*tick + tick/2)
		rs := runs(ds)
		for _, name := range names {
			var ticks []time.Time
			var mine []runSpan
			for _, r := range rs {
				if r.site == name && r.started.After(start) {
					ticks = append(ticks, r.scheduled)
					mine = append(mine, r)
				}
			}
			slices.SortFunc(ticks, time.Time.Compare)
			if len(ticks) < 4 {
				t.Errorf("%s: %d scheduled runs in %s, want at least 4 (one per tick)", name, len(ticks), 5*tick)
				continue
			}
			// Each tick runs exactly once, except a tick that came while
			// the site's previous run was still going: on a slow machine a
			// run under the shared rate may outlast a tick, and that tick
			// is skipped (never run twice, never overlapped).
			skipped := 0
			for i := 1; i < len(ticks); i++ {
				d := ticks[i].Sub(ticks[i-1])
				if d <= 0 || d%tick != 0 {
					t.Errorf("%s: ticks %s then %s: want each tick run exactly once, %s apart", name,
						ticks[i-1].Format("15:04:05"), ticks[i].Format("15:04:05"), tick)
					continue
				}
				for at := ticks[i-1].Add(tick); at.Before(ticks[i]); at = at.Add(tick) {
					if !runningAt(mine, at) {
						t.Errorf("%s: the tick of %s never ran, and no run of the site was going then", name, at.Format("15:04:05"))
					}
					skipped++
				}
			}
			if skipped > 1 {
				t.Errorf("%s: %d ticks skipped because a run was still going, want at most 1", name, skipped)
			}
			for i := 1; i < len(mine); i++ {
				if prev := mine[i-1]; prev.finished.IsZero() || prev.finished.After(mine[i].started) {
					t.Errorf("%s: the run of %s (token %d) began before the one of %s (token %d) ended", name,
						mine[i].daemon, mine[i].token, prev.daemon, prev.token)
				}
				if mine[i].token <= mine[i-1].token {
					t.Errorf("%s: lease tokens %d then %d: want them to grow", name, mine[i-1].token, mine[i].token)
				}
			}
			t.Logf("%s: %d ticks, %d runs, %d skipped while a run was going, daemons %v", name, len(ticks), len(mine), skipped, func() []string {
				var out []string
				for _, r := range mine {
					out = append(out, r.daemon)
				}
				return out
			}())
		}
		hits, overlaps := s.since(start)
		if len(overlaps) > 0 {
			t.Errorf("two daemons crawled one site at once: %v", overlaps[:min(len(overlaps), 5)])
		}
		unknown, by := 0, map[string]int{}
		for _, h := range hits {
			by[h.daemon]++
			if h.daemon == "" {
				unknown++
			}
		}
		if unknown > len(hits)/20 {
			t.Errorf("%d of %d requests came from no daemon found", unknown, len(hits))
		}
		// Which daemon wins a tick is a race: one may win them all. What
		// matters is that every daemon contended for every tick.
		for _, d := range ds {
			if n := d.metric(t, "jobcrawl_tick_claims_total"); n < float64(4*len(names)) {
				t.Errorf("%s claimed %v ticks, want at least 4 per site: every daemon contends for every tick", d.name, n)
			}
		}
		t.Logf("requests by daemon: %v", by)
	})

	t.Run("the host's shared rate holds over every daemon", func(t *testing.T) {
		hits, _ := s.since(start)
		if n := maxInWindow(hits, time.Second); n > rate {
			t.Errorf("127.0.0.1 got %d requests in one second, over its shared rate of %d/s", n, rate)
		} else {
			t.Logf("busiest second: %d requests of %d allowed, %d requests in all", n, rate, len(hits))
		}
	})

	// holderOf waits for a run of site to start after t and returns its
	// daemon.
	holderOf := func(t *testing.T, site string, after time.Time) (*daemonProc, runSpan) {
		t.Helper()
		var got runSpan
		poll(t, "a run of "+site, func() bool {
			for _, r := range runs(ds) {
				if r.site == site && r.started.After(after) && r.finished.IsZero() {
					got = r
					return true
				}
			}
			return false
		})
		for _, d := range ds {
			if d.name == got.daemon {
				return d, got
			}
		}
		t.Fatalf("no daemon %s", got.daemon)
		return nil, got
	}
	openDocs := func(t *testing.T) (open, closed int, dups []string) {
		seen := map[string]bool{}
		for _, doc := range meili.Documents("jobs") {
			key := fmt.Sprint(doc["site"], "/", doc["job_number"])
			if seen[key] {
				dups = append(dups, key)
			}
			seen[key] = true
			if doc["status"] == "closed" {
				closed++
			} else {
				open++
			}
		}
		return open, closed, dups
	}
	total := jobs["alpha"] + jobs["bravo"] + jobs["charlie"]

	t.Run("SIGKILL of the holder mid-crawl", func(t *testing.T) {
		s.setDelay("alpha", 400*time.Millisecond) // a run of alpha now lasts seconds
		defer s.setDelay("alpha", 0)
		victim, run := holderOf(t, "alpha", time.Now())
		time.Sleep(500 * time.Millisecond)
		if err := victim.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		killed := time.Now()
		<-victim.done
		var next runSpan
		poll(t, "another daemon taking alpha over", func() bool {
			for _, r := range runs(ds) {
				if r.site == "alpha" && r.started.After(killed) && r.daemon != victim.name {
					next = r
					return true
				}
			}
			return false
		})
		took := next.started.Sub(killed)
		t.Logf("%s killed in a run of alpha (token %d); %s took alpha over after %s (token %d)", victim.name, run.token,
			next.daemon, took.Round(time.Millisecond), next.token)
		if bound := leaseTTL + leaseTTL/3 + tick; took > bound {
			t.Errorf("taken over after %s: want within lease TTL + one renewal (+ the next tick) = %s", took, bound)
		}
		if next.token <= run.token {
			t.Errorf("the new run's token %d is not newer than the killed one's %d", next.token, run.token)
		}
		open, closed, dups := openDocs(t)
		if closed != 0 || len(dups) != 0 || open != total {
			t.Errorf("after the kill: %d open, %d closed, duplicates %v: want %d open, none closed, no duplicate", open, closed, dups, total)
		}
		// the survivors carry on
		ds = slices.DeleteFunc(ds, func(d *daemonProc) bool { return d == victim })
		ds = append(ds, startDaemon(top, s, cfg, victim.name+"b"))
	})

	t.Run("SIGSTOP past the lease, then SIGCONT", func(t *testing.T) {
		s.setDelay("bravo", 400*time.Millisecond)
		defer s.setDelay("bravo", 0)
		victim, run := holderOf(t, "bravo", time.Now())
		time.Sleep(300 * time.Millisecond)
		rejected := victim.metric(t, "jobcrawl_commits_rejected_total")
		victim.cmd.Process.Signal(syscall.SIGSTOP)
		time.Sleep(leaseTTL + tick)
		victim.cmd.Process.Signal(syscall.SIGCONT)
		poll(t, victim.name+" noticing its lost lease", func() bool {
			for _, e := range victim.entries() {
				if e.Site == "bravo" && strings.HasPrefix(e.Msg, "site lease lost") && e.Time.After(run.started) {
					return true
				}
			}
			return false
		})
		poll(t, victim.name+" counting its refused commit", func() bool {
			return victim.metric(t, "jobcrawl_commits_rejected_total") > rejected
		})
		var outcome string
		poll(t, "the paused run's end", func() bool {
			for _, r := range runs(ds) {
				if r.daemon == victim.name && r.site == "bravo" && r.token == run.token && !r.finished.IsZero() {
					outcome = r.outcome
					return true
				}
			}
			return false
		})
		if outcome == "ok" {
			t.Errorf("the paused run ended %s: want it stopped (cancelled or failed)\n%s", outcome, tail(victim.log.String(), 30))
		}
		if _, closed, dups := openDocs(t); closed != 0 || len(dups) != 0 {
			t.Errorf("after the pause: %d closed, duplicates %v: want none", closed, dups)
		}
		t.Logf("%s paused %s in a run of bravo (token %d): lease lost, commit refused, run %s", victim.name, leaseTTL+tick, run.token, outcome)
	})

	t.Run("Redis killed and restarted", func(t *testing.T) {
		stopRedis()
		down := time.Now()
		searchOK, searches := 0, 0
		for time.Since(down) < 2*tick+tick/2 {
			for _, d := range ds {
				searches++
				resp, err := http.Get(d.url + "/api/search?q=&limit=1")
				if err == nil {
					if resp.StatusCode == http.StatusOK {
						searchOK++
					}
					resp.Body.Close()
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
		errorsSeen := 0.0
		for _, d := range ds {
			if !d.alive() {
				t.Fatalf("%s exited while Redis was down: %v", d.name, d.err)
			}
			errorsSeen += d.metric(t, "jobcrawl_tick_claims_total{result=\"error\"}")
		}
		if searchOK != searches {
			t.Errorf("searches while Redis was down: %d of %d answered 200", searchOK, searches)
		}
		if errorsSeen == 0 {
			t.Error("no tick was counted as skipped for an unreachable Redis")
		}
		restartRedis()
		up := time.Now()
		poll(t, "crawling after Redis came back", func() bool {
			for _, r := range runs(ds) {
				if r.started.After(up) && !r.finished.IsZero() && r.outcome == "ok" {
					return true
				}
			}
			return false
		})
		t.Logf("Redis down %s: %d searches answered, %.0f ticks skipped and counted; a run finished ok %s after it came back",
			up.Sub(down).Round(time.Millisecond), searchOK, errorsSeen, time.Since(up).Round(time.Millisecond))
	})
}
