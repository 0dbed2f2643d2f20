package proxy

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeRequest is one request a fakeBackend received.
type fakeRequest struct {
	Conn      int // connection number, 1-based, in accept order
	NthOnConn int // 1 for the first request on its connection
	Method    string
	URI       string
	Proto     string
	Header    []string // "Name: value" lines as received, in order
	Body      []byte
	Raw       []byte // the head as received
}

// get returns the first header value named name (case-insensitive).
func (r *fakeRequest) get(name string) (string, bool) {
	for _, h := range r.Header {
		k, v, _ := strings.Cut(h, ":")
		if strings.EqualFold(k, name) {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// fakeReply says what the backend does with a request.
type fakeReply struct {
	// Raw, when set, is written as is (status line, headers and body).
	Raw string
	// Status, Header and Body build a response when Raw is empty; a
	// Content-Length is added unless Header has one or Chunked is set.
	Status  int
	Header  []string
	Body    string
	Chunked bool
	// Close closes the connection after the reply (or instead of it when
	// there is nothing to write: NoReply).
	Close   bool
	NoReply bool
	// Delay waits before replying.
	Delay time.Duration
}

// fakeBackend is a small raw-TCP HTTP/1.1 server for tests: it records every
// connection and request, and answers with a handler. With itk set it
// behaves like Apache mpm-itk: a connection serves only the first Host it
// sees; a request for another Host gets FIN and no response.
type fakeBackend struct {
	t       testing.TB
	ln      net.Listener
	handler func(r *fakeRequest) fakeReply
	itk     bool

	mu    sync.Mutex
	conns int
	reqs  []*fakeRequest
	open  map[net.Conn]bool
	wg    sync.WaitGroup
}

func startFakeBackend(t testing.TB, handler func(r *fakeRequest) fakeReply) *fakeBackend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if handler == nil {
		handler = func(r *fakeRequest) fakeReply {
			return fakeReply{Status: 200, Body: "ok " + r.URI}
		}
	}
	b := &fakeBackend{t: t, ln: ln, handler: handler, open: map[net.Conn]bool{}}
	b.wg.Add(1)
	go b.acceptLoop()
	t.Cleanup(b.Close)
	return b
}

func (b *fakeBackend) Addr() string { return b.ln.Addr().String() }

// Close stops the backend and waits for its goroutines.
func (b *fakeBackend) Close() {
	_ = b.ln.Close()
	b.mu.Lock()
	for c := range b.open {
		_ = c.Close()
	}
	b.mu.Unlock()
	b.wg.Wait()
}

// Requests returns a copy of the requests received so far.
func (b *fakeBackend) Requests() []*fakeRequest {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]*fakeRequest(nil), b.reqs...)
}

// Conns returns the number of connections accepted so far.
func (b *fakeBackend) Conns() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.conns
}

func (b *fakeBackend) acceptLoop() {
	defer b.wg.Done()
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.mu.Lock()
		b.conns++
		n := b.conns
		b.open[c] = true
		b.mu.Unlock()
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			b.serveConn(c, n)
			b.mu.Lock()
			delete(b.open, c)
			b.mu.Unlock()
			_ = c.Close()
		}()
	}
}

func (b *fakeBackend) serveConn(c net.Conn, n int) {
	br := bufio.NewReader(c)
	firstHost := ""
	for nth := 1; ; nth++ {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		r, err := readFakeRequest(br)
		if err != nil {
			return
		}
		r.Conn, r.NthOnConn = n, nth
		host, _ := r.get("Host")
		if b.itk {
			if nth == 1 {
				firstHost = host
			} else if !strings.EqualFold(host, firstHost) {
				// mpm-itk: setuid to another vhost's user fails; the
				// connection ends without a response byte.
				b.record(r, true)
				if tc, ok := c.(*net.TCPConn); ok {
					_ = tc.CloseWrite()
				}
				return
			}
		}
		b.record(r, false)
		rep := b.handler(r)
		if rep.Delay > 0 {
			time.Sleep(rep.Delay)
		}
		if !rep.NoReply {
			if _, err := c.Write([]byte(rep.render())); err != nil {
				return
			}
		}
		if rep.Close || rep.NoReply {
			return
		}
	}
}

// record keeps a request; rejected ones (itk mismatch) are kept too, with
// Method prefixed by "REJECTED ".
func (b *fakeBackend) record(r *fakeRequest, rejected bool) {
	if rejected {
		r.Method = "REJECTED " + r.Method
	}
	b.mu.Lock()
	b.reqs = append(b.reqs, r)
	b.mu.Unlock()
}

func (rep fakeReply) render() string {
	if rep.Raw != "" {
		return rep.Raw
	}
	var sb strings.Builder
	status := rep.Status
	if status == 0 {
		status = 200
	}
	fmt.Fprintf(&sb, "HTTP/1.1 %d %s\r\n", status, reasonFor(status))
	hasCL := false
	for _, h := range rep.Header {
		if strings.HasPrefix(strings.ToLower(h), "content-length:") {
			hasCL = true
		}
		sb.WriteString(h + "\r\n")
	}
	if rep.Chunked {
		sb.WriteString("Transfer-Encoding: chunked\r\n\r\n")
		if rep.Body != "" {
			fmt.Fprintf(&sb, "%x\r\n%s\r\n", len(rep.Body), rep.Body)
		}
		sb.WriteString("0\r\n\r\n")
		return sb.String()
	}
	if !hasCL && status != 204 && status != 304 {
		fmt.Fprintf(&sb, "Content-Length: %d\r\n", len(rep.Body))
	}
	sb.WriteString("\r\n")
	sb.WriteString(rep.Body)
	return sb.String()
}

func reasonFor(status int) string {
	switch status {
	case 200:
		return "OK"
	case 201:
		return "Created"
	case 204:
		return "No Content"
	case 301:
		return "Moved Permanently"
	case 302:
		return "Found"
	case 304:
		return "Not Modified"
	case 404:
		return "Not Found"
	case 500:
		return "Internal Server Error"
	case 502:
		return "Bad Gateway"
	case 503:
		return "Service Unavailable"
	}
	return "Status"
}

// readFakeRequest reads one request (head and Content-Length or chunked
// body) leniently: the backend records what the proxy sent.
func readFakeRequest(br *bufio.Reader) (*fakeRequest, error) {
	var raw bytes.Buffer
	line, err := br.ReadString('\n')
	if err != nil {
		return nil, err
	}
	raw.WriteString(line)
	parts := strings.SplitN(strings.TrimRight(line, "\r\n"), " ", 3)
	if len(parts) != 3 {
		return nil, fmt.Errorf("bad request line %q", line)
	}
	r := &fakeRequest{Method: parts[0], URI: parts[1], Proto: parts[2]}
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		raw.WriteString(l)
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			break
		}
		r.Header = append(r.Header, l)
	}
	r.Raw = raw.Bytes()
	if te, ok := r.get("Transfer-Encoding"); ok && strings.EqualFold(te, "chunked") {
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				return nil, err
			}
			size, err := strconv.ParseInt(strings.TrimSpace(strings.SplitN(l, ";", 2)[0]), 16, 64)
			if err != nil {
				return nil, err
			}
			if size == 0 {
				for {
					l, err := br.ReadString('\n')
					if err != nil {
						return nil, err
					}
					if strings.TrimRight(l, "\r\n") == "" {
						break
					}
				}
				break
			}
			chunk := make([]byte, size+2)
			if _, err := io.ReadFull(br, chunk); err != nil {
				return nil, err
			}
			r.Body = append(r.Body, chunk[:size]...)
		}
	} else if cl, ok := r.get("Content-Length"); ok {
		n, err := strconv.Atoi(cl)
		if err != nil {
			return nil, err
		}
		r.Body = make([]byte, n)
		if _, err := io.ReadFull(br, r.Body); err != nil {
			return nil, err
		}
	}
	return r, nil
}
