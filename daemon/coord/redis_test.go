package coord_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/jobcrawl/jobcrawl/daemon/coord"
	"github.com/jobcrawl/jobcrawl/daemon/coord/coordtest"
	"github.com/jobcrawl/jobcrawl/internal/redistest"
)

// server is a Redis the test controls: started (requiring password when
// not empty), killed, restarted on the same port.
type server struct {
	name  string
	start func(t *testing.T, password string) (addr string, stop, restart func())
}

var servers = []server{
	{"miniredis", startMiniredis},
	{"redis-server", func(t *testing.T, password string) (string, func(), func()) {
		var args []string
		if password != "" {
			args = []string{"--requirepass", password}
		}
		return redistest.Start(t, args...)
	}},
}

// startMiniredis runs a miniredis whose TTLs run on the wall clock, like
// Redis's (by default they only move with FastForward).
func startMiniredis(t *testing.T, password string) (string, func(), func()) {
	m := miniredis.NewMiniRedis()
	m.ClockTTL(true)
	if password != "" {
		m.RequireAuth(password)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	running := true
	stop := func() {
		mu.Lock()
		defer mu.Unlock()
		if running {
			m.Close()
			running = false
		}
	}
	t.Cleanup(stop)
	return m.Addr(), stop, func() {
		stop()
		mu.Lock()
		defer mu.Unlock()
		if err := m.Restart(); err != nil {
			t.Fatal(err)
		}
		running = true
	}
}

// prefixes are the key prefixes of the tests: each its own, so that the
// tests sharing a server share nothing else.
var prefixes sync.Map

func testPrefix(t *testing.T) string {
	p, _ := prefixes.LoadOrStore(t.Name(), "test"+strconv.FormatInt(prefixCount.Add(1), 10))
	return p.(string)
}

var prefixCount atomic.Int64

func newTestRedis(t *testing.T, opts coord.RedisOptions) *coord.Redis {
	t.Helper()
	r, err := coord.NewRedis(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestRedisContract(t *testing.T) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			addr, _, _ := s.start(t, "")
			coordtest.Run(t, func(t *testing.T, id string) coord.Coordinator {
				return newTestRedis(t, coord.RedisOptions{URL: "redis://" + addr, ID: id, Prefix: testPrefix(t)})
			})
		})
	}
}

// The keys are documented (an operator may look at them): pin them.
func TestRedisKeys(t *testing.T) {
	m := miniredis.RunT(t)
	r := newTestRedis(t, coord.RedisOptions{URL: "redis://" + m.Addr(), ID: "host:1"})
	ctx := context.Background()
	at := time.Unix(1767225600, 0)
	if _, err := r.ClaimTick(ctx, "acme", at, time.Minute); err != nil {
		t.Fatal(err)
	}
	l, err := r.Acquire(ctx, "acme", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Commit(ctx, l); err != nil {
		t.Fatal(err)
	}
	release, err := r.Hosts().Acquire(ctx, "jobs.example:443", 2, time.Second, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer release(true)
	if err := r.Hosts().Pause(ctx, "jobs.example:443", time.Minute); err != nil {
		t.Fatal(err)
	}
	want := []string{"jobcrawl:committed:acme", "jobcrawl:fence:acme", "jobcrawl:lease:acme",
		"jobcrawl:pace:jobs.example:443", "jobcrawl:pause:jobs.example:443", "jobcrawl:slots:jobs.example:443",
		"jobcrawl:tick:acme:1767225600"}
	if got := m.Keys(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("keys = %q, want %q", got, want)
	}
	if got, want := mustGet(m, "jobcrawl:lease:acme"), "host:1|1"; got != want {
		t.Errorf("lease = %q, want %q", got, want)
	}
	for _, k := range want {
		if k != "jobcrawl:fence:acme" && k != "jobcrawl:committed:acme" && m.TTL(k) <= 0 {
			t.Errorf("%s has no TTL: it would stay forever", k)
		}
	}
}

// logBuffer is a logger whose output a test reads.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Redis down, then back: calls fail with ErrUnavailable, nothing panics,
// and calls work again once Redis answers, with no new coordinator.
func TestRedisDown(t *testing.T) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			addr, stop, restart := s.start(t, "")
			var logs logBuffer
			r := newTestRedis(t, coord.RedisOptions{URL: "redis://" + addr, ID: "a", Prefix: testPrefix(t),
				Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			ctx := context.Background()
			at := time.Unix(1767225600, 0)
			if _, err := r.ClaimTick(ctx, "acme", at, time.Minute); err != nil {
				t.Fatal(err)
			}
			l, err := r.Acquire(ctx, "acme", time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			release, err := r.Hosts().Acquire(ctx, "jobs.example", 1, time.Millisecond, time.Minute)
			if err != nil {
				t.Fatal(err)
			}

			stop()
			release(true) // logged, not panicking
			checkDown(t, r, l)

			restart()
			deadline := time.Now().Add(5 * time.Second)
			for {
				_, err := r.ClaimTick(ctx, "acme", at.Add(time.Minute), time.Minute)
				if err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("ClaimTick 5s after Redis restarted: %v", err)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if s.name == "redis-server" { // restarted empty: the lease is gone
				wantErr(t, "Renew after a restart", r.Renew(ctx, &l, time.Minute), coord.ErrLost)
				l, err = r.Acquire(ctx, "globex", time.Minute)
				if err != nil {
					t.Fatalf("Acquire after a restart: %v", err)
				}
				if err := r.Commit(ctx, l); err != nil {
					t.Fatalf("Commit after a restart: %v", err)
				}
			}
			if _, err := r.Holders(ctx); err != nil {
				t.Fatalf("Holders after a restart: %v", err)
			}
			// (A host whose slot could not be released: its slot frees at
			// its timeout, when Redis kept it. Another host then.)
			release, err = r.Hosts().Acquire(ctx, "other.example", 1, time.Millisecond, time.Minute)
			if err != nil {
				t.Fatalf("host Acquire after a restart: %v", err)
			}
			release(true)
			if out := logs.String(); !strings.Contains(out, "answers again") || !strings.Contains(out, "not released") {
				t.Errorf("log = %q, want the failed release and the recovery", out)
			}
		})
	}
}

// checkDown checks that every call fails with ErrUnavailable (and only
// that: a lease is not reported lost, a commit not fenced).
func checkDown(t *testing.T, r *coord.Redis, l coord.Lease) {
	t.Helper()
	ctx := context.Background()
	_, err := r.ClaimTick(ctx, "acme", time.Now(), time.Minute)
	wantErr(t, "ClaimTick", err, coord.ErrUnavailable)
	_, err = r.Acquire(ctx, "acme", time.Minute)
	wantErr(t, "Acquire", err, coord.ErrUnavailable)
	err = r.Renew(ctx, &l, time.Minute)
	wantErr(t, "Renew", err, coord.ErrUnavailable)
	if errors.Is(err, coord.ErrLost) {
		t.Errorf("Renew = %v: a lease is not lost for Redis being down", err)
	}
	wantErr(t, "Release", r.Release(ctx, l), coord.ErrUnavailable)
	err = r.Commit(ctx, l)
	wantErr(t, "Commit", err, coord.ErrUnavailable)
	if errors.Is(err, coord.ErrFenced) {
		t.Errorf("Commit = %v, not ErrFenced: Redis did not refuse it", err)
	}
	_, err = r.Holders(ctx)
	wantErr(t, "Holders", err, coord.ErrUnavailable)
	_, err = r.Hosts().Acquire(ctx, "jobs.example", 1, time.Second, time.Minute)
	wantErr(t, "Hosts().Acquire", err, coord.ErrUnavailable)
	wantErr(t, "Hosts().Pause", r.Hosts().Pause(ctx, "jobs.example", time.Second), coord.ErrUnavailable)
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s = %v, want %v", what, err, want)
	}
}

// A daemon starts while Redis is down, and works once it is up.
func TestRedisStartsWhileDown(t *testing.T) {
	addr, stop, restart := startMiniredis(t, "")
	stop()
	r := newTestRedis(t, coord.RedisOptions{URL: "redis://" + addr, Prefix: testPrefix(t)})
	if r.ID() != coord.DefaultID() {
		t.Errorf("ID = %q, want %q", r.ID(), coord.DefaultID())
	}
	_, err := r.ClaimTick(context.Background(), "acme", time.Now(), time.Minute)
	wantErr(t, "ClaimTick with Redis down", err, coord.ErrUnavailable)
	restart()
	if _, err := r.ClaimTick(context.Background(), "acme", time.Now(), time.Minute); err != nil {
		t.Fatalf("ClaimTick once Redis is up: %v", err)
	}
}

// A deadline in ctx bounds a call to a Redis that does not answer.
func TestRedisHung(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never answers
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	accepted := make(chan struct{})
	go func() {
		defer close(accepted)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	defer func() {
		l.Close()
		<-accepted
		for _, c := range conns {
			c.Close()
		}
	}()
	r := newTestRedis(t, coord.RedisOptions{URL: "redis://" + l.Addr().String()})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = r.ClaimTick(ctx, "acme", time.Now(), time.Minute)
	wantErr(t, "ClaimTick", err, coord.ErrUnavailable)
	if got := time.Since(start); got > time.Second {
		t.Errorf("ClaimTick returned after %s, want when its context ended", got)
	}
}

const (
	secret      = "secret123"
	passwordEnv = "REDIS_PASSWORD"
)

// The password is never in an error or a log line, whatever fails.
func TestRedisPasswordNotShown(t *testing.T) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			addr, stop, _ := s.start(t, secret)
			var logs logBuffer
			logger := slog.New(slog.NewTextHandler(&logs, nil))
			ctx := context.Background()
			check := func(what string, err error) {
				t.Helper()
				if err != nil && strings.Contains(err.Error(), secret) {
					t.Errorf("%s: error shows the password: %v", what, err)
				}
			}
			open := func(url string) *coord.Redis {
				return newTestRedis(t, coord.RedisOptions{URL: url, Prefix: testPrefix(t), Logger: logger})
			}

			right := open("redis://:" + secret + "@" + addr)
			if _, err := right.ClaimTick(ctx, "acme", time.Now(), time.Minute); err != nil {
				t.Fatalf("with the password in the URL: %v", err)
			}
			t.Setenv(passwordEnv, secret)
			fromEnv := open("redis://" + addr)
			if _, err := fromEnv.ClaimTick(ctx, "acme", time.Now(), time.Minute); err != nil {
				t.Fatalf("with the password in $%s: %v", passwordEnv, err)
			}
			t.Setenv(passwordEnv, "")
			for _, url := range []string{"redis://:wrong" + secret + "@" + addr, "redis://" + addr} {
				_, err := open(url).ClaimTick(ctx, "acme", time.Now(), time.Minute)
				wantErr(t, "ClaimTick with a wrong password", err, coord.ErrUnavailable)
				check("wrong password", err)
			}
			// The URL's password wins over $REDIS_PASSWORD.
			t.Setenv(passwordEnv, "other")
			if _, err := open("redis://:"+secret+"@"+addr).ClaimTick(ctx, "acme", time.Now(), time.Minute); err != nil {
				t.Fatalf("with the password in the URL and another in $%s: %v", passwordEnv, err)
			}

			release, err := right.Hosts().Acquire(ctx, "jobs.example", 1, time.Millisecond, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			stop()
			release(true)
			_, err = right.ClaimTick(ctx, "acme", time.Now(), time.Minute)
			wantErr(t, "ClaimTick with Redis down", err, coord.ErrUnavailable)
			check("Redis down", err)
			_, err = right.Holders(ctx)
			check("Holders with Redis down", err)
			_, err = right.Hosts().Acquire(ctx, "jobs.example", 1, time.Second, time.Minute)
			check("host Acquire with Redis down", err)
			if strings.Contains(logs.String(), secret) {
				t.Errorf("log shows the password: %s", logs.String())
			}
		})
	}
}

func TestNewRedisBadURL(t *testing.T) {
	for _, url := range []string{
		"",
		"http://localhost:6379",
		"redis://:" + secret + "@localhost:6379/notadb",
		"redis://:" + secret + "@localhost:6379/0/1",
		"redis://:" + secret + "%zz@localhost:6379",  // bad escape: url.Parse fails
		"redis://:" + secret + "@local host:6379",    // a space in the host
		"redis://:" + secret + "@localhost:port",     // a bad port
		"redis://:" + secret + "@localhost:6379?x=1", // an unknown option
		"redis://user:" + secret + "@localhost:6379?dial_timeout=forever",
	} {
		_, err := coord.NewRedis(coord.RedisOptions{URL: url})
		if err == nil {
			t.Errorf("NewRedis(%q): no error", coord.RedactURL(url))
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("NewRedis(%q) error shows the password: %v", coord.RedactURL(url), err)
		}
	}
}

func TestRedactURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"redis://localhost:6379/0", "redis://localhost:6379/0"},
		{"redis://:" + secret + "@localhost:6379/0", "redis://xxxxx@localhost:6379/0"},
		{"rediss://user:" + secret + "@redis.internal:6380", "rediss://xxxxx@redis.internal:6380"},
		{"redis://" + secret + "@localhost", "redis://xxxxx@localhost"},
		{"redis://:p@ss/w" + secret + "@localhost", "redis://xxxxx@localhost"},
		{"redis://:" + secret + "%zz@localhost", "redis://xxxxx@localhost"},
		{"unix://:" + secret + "@/run/redis.sock", "unix://xxxxx@/run/redis.sock"},
		{":" + secret + "@localhost", "xxxxx@localhost"},
	} {
		if got := coord.RedactURL(tc.in); got != tc.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Two daemons' claims, leases and slots are apart under different
// prefixes: two deployments may share one Redis.
func TestRedisPrefix(t *testing.T) {
	m := miniredis.RunT(t)
	a := newTestRedis(t, coord.RedisOptions{URL: "redis://" + m.Addr(), ID: "a", Prefix: "one"})
	b := newTestRedis(t, coord.RedisOptions{URL: "redis://" + m.Addr(), ID: "b", Prefix: "two"})
	ctx := context.Background()
	at := time.Now()
	for _, r := range []*coord.Redis{a, b} {
		if won, err := r.ClaimTick(ctx, "acme", at, time.Minute); err != nil || !won {
			t.Fatalf("%s: ClaimTick = %v, %v; want true", r.ID(), won, err)
		}
		if _, err := r.Acquire(ctx, "acme", time.Minute); err != nil {
			t.Fatalf("%s: Acquire: %v", r.ID(), err)
		}
	}
	for _, k := range m.Keys() {
		if !regexp.MustCompile(`^(one|two):`).MatchString(k) {
			t.Errorf("key %q outside the prefixes", k)
		}
	}
}

func mustGet(m *miniredis.Miniredis, k string) string {
	v, _ := m.Get(k)
	return v
}
