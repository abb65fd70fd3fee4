package mcpserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// MaxMessage bounds one JSON-RPC message a client sends over stdio: a
// tool call is a few hundred bytes (the SDK's own default is 16 MiB).
const MaxMessage = 1 << 20

// drainTimeout is how long the server, at the end of its input, waits
// for the answers to the calls still running.
const drainTimeout = callTimeout + 5*time.Second

// StdioTransport is the transport of `jobcrawl mcp`: newline-delimited
// JSON-RPC read from r and written to w. Unlike the SDK's own stdio
// transport, the end of r does not drop the calls in flight: the server
// answers every request it has read before it reports the end of its
// input (so `printf ... | jobcrawl mcp` gets every answer). w is never closed.
func StdioTransport(r io.Reader, w io.Writer) mcp.Transport {
	p := &pending{ids: map[string]bool{}, idle: make(chan struct{})}
	close(p.idle)
	return &mcp.IOTransport{
		Reader:        &drainReader{r: bufio.NewReaderSize(r, 64<<10), p: p},
		Writer:        &answerWriter{w: w, p: p},
		MaxLineLength: MaxMessage,
	}
}

// pending are the ids of the requests read and not yet answered.
type pending struct {
	mu   sync.Mutex
	ids  map[string]bool
	idle chan struct{} // closed while ids is empty
}

func (p *pending) add(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.ids) == 0 {
		p.idle = make(chan struct{})
	}
	p.ids[id] = true
}

func (p *pending) done(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.ids[id] {
		return
	}
	delete(p.ids, id)
	if len(p.ids) == 0 {
		close(p.idle)
	}
}

func (p *pending) wait(d time.Duration) {
	p.mu.Lock()
	idle := p.idle
	p.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-idle:
	case <-t.C:
	}
}

// message is what the wrappers read of a JSON-RPC message.
type message struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
}

// messages decodes a line: one message or a batch. Lines it cannot read
// yield none (the SDK answers them).
func messages(line []byte) []message {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return nil
	}
	if line[0] == '[' {
		var batch []message
		json.Unmarshal(line, &batch)
		return batch
	}
	var m message
	if json.Unmarshal(line, &m) != nil {
		return nil
	}
	return []message{m}
}

// drainReader notes each request it passes on, and at the end of its
// input waits until they are answered before it reports the end.
type drainReader struct {
	r    *bufio.Reader
	p    *pending
	buf  []byte
	err  error
	once sync.Once
}

func (d *drainReader) Read(b []byte) (int, error) {
	for len(d.buf) == 0 {
		if d.err != nil {
			if errors.Is(d.err, io.EOF) {
				d.once.Do(func() { d.p.wait(drainTimeout) })
			}
			return 0, d.err
		}
		line, err := d.r.ReadSlice('\n')
		d.buf = append(d.buf[:0], line...)
		if errors.Is(err, bufio.ErrBufferFull) {
			err = nil // a long line: passed on in pieces, the SDK bounds it
		} else {
			for _, m := range messages(d.buf) {
				if m.Method != "" && len(m.ID) > 0 && string(m.ID) != "null" {
					d.p.add(string(m.ID))
				}
			}
		}
		d.err = err
	}
	n := copy(b, d.buf)
	d.buf = d.buf[n:]
	return n, nil
}

func (d *drainReader) Close() error { return nil }

// answerWriter notes the answers written.
type answerWriter struct {
	w io.Writer
	p *pending
}

func (a *answerWriter) Write(b []byte) (int, error) {
	n, err := a.w.Write(b)
	for _, m := range messages(b) {
		if m.Method == "" && len(m.ID) > 0 && (m.Result != nil || m.Error != nil) {
			a.p.done(string(m.ID))
		}
	}
	return n, err
}

func (a *answerWriter) Close() error { return nil }
