// Package redistest starts a real redis-server for tests, on a free
// loopback port, and lets a test kill and restart it: what a daemon sees
// when Redis is down, then back (empty: it runs without persistence).
package redistest

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// SkipMessage is why the tests needing redis-server skip without it.
const SkipMessage = "needs redis-server (Debian package redis-server) on PATH"

// startTimeout bounds how long a server may take to answer after start.
const startTimeout = 10 * time.Second

// Start starts redis-server on 127.0.0.1 at a free port, with no
// persistence, and stops it when the test ends; it skips the test when
// redis-server is not installed. args are added to the command line
// (like "--requirepass", "secret"). stop kills the server (SIGKILL, as a
// crash would) and waits for it to exit; restart kills it if running
// and starts it again on the same port, with nothing in it. Both may be
// called any number of times.
func Start(tb testing.TB, args ...string) (addr string, stop func(), restart func()) {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		tb.Skip(SkipMessage)
	}
	s := &server{tb: tb, bin: bin, dir: tb.TempDir(), args: args}
	// The port is free when asked for, but another process may take it
	// before redis-server binds it: try a few.
	for range 5 {
		if s.port, err = freePort(); err != nil {
			tb.Fatalf("redistest: %v", err)
		}
		if err = s.start(); err == nil {
			break
		}
	}
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	tb.Cleanup(s.stop)
	return s.addr(), s.stop, func() {
		tb.Helper()
		s.stop()
		if err := s.start(); err != nil {
			tb.Fatalf("redistest: restart: %v", err)
		}
	}
}

type server struct {
	tb   testing.TB
	bin  string
	dir  string
	args []string
	port int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd exited
	out  *syncBuffer
}

func (s *server) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// start runs redis-server and waits until it answers.
func (s *server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	args := append([]string{"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", s.dir, "--daemonize", "no", "--logfile", ""}, s.args...)
	cmd := exec.Command(s.bin, args...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	setDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	deadline := time.Now().Add(startTimeout)
	for {
		if ready(s.addr()) {
			s.cmd, s.done, s.out = cmd, done, out
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("redis-server on port %d exited: %s", s.port, lastLines(out.String()))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-done
			return fmt.Errorf("redis-server on port %d did not answer in %s: %s", s.port, startTimeout, lastLines(out.String()))
		}
	}
}

// stop kills the server, if running, and waits for it to exit.
func (s *server) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// ready reports whether a Redis answers PING at addr (NOAUTH counts: it
// answers; LOADING does not).
func ready(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && !strings.HasPrefix(line, "-LOADING")
}

// freePort returns a loopback TCP port nobody listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// lastLines is the end of the server's output, to say why it failed.
func lastLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-5):], " | ")
}

// syncBuffer collects the output of a process that writes while the
// test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
