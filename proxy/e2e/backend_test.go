package e2e

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// backendRequest is one request as an upstream received it.
type backendRequest struct {
	ConnID             int
	Method, URI, Proto string
	Header             []headerField
	Body               []byte
	ConnRequestOrdinal int // 1 for the first request on its connection
}

// get returns the first value of a header ("" if absent).
func (r *backendRequest) get(name string) string {
	for _, h := range r.Header {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// backendResponse is what a handler answers.
type backendResponse struct {
	Status  int
	Reason  string
	Header  []headerField
	Body    []byte
	Chunked bool
	// Close adds "Connection: close" and closes after the response.
	Close bool
	// Raw, when set, is written instead of a generated response, part by
	// part with a 10 ms pause between parts (framing split across reads).
	Raw []string
	// Tunnel (with Status 101) echoes every byte after the head back to
	// the sender until it closes: an upgraded connection.
	Tunnel bool
	Delay  time.Duration
}

// backendConn is what the upstream recorded about one connection.
type backendConn struct {
	ID     int
	Hosts  []string // Host of every request, in order
	Opened time.Time
	Closed time.Time // zero while open
	ByPeer bool      // the proxy closed it (EOF/RST while waiting for a request)
	idle   bool
	nc     net.Conn
}

// backend is an HTTP/1.1 upstream on loopback that records every connection
// and request and answers through a handler. It speaks keep-alive like a
// well-behaved server: HTTP/1.1 persistent unless "Connection: close",
// HTTP/1.0 only with "Connection: keep-alive".
type backend struct {
	t       testing.TB
	ln      net.Listener
	Addr    string
	handler func(*backendRequest) backendResponse
	// dropOtherHost makes it behave like mpm-itk: a connection serves the
	// Host of its first request; a request for another Host is read and
	// answered with a close and no response byte.
	dropOtherHost bool

	mu      sync.Mutex
	closed  bool
	reqs    []backendRequest
	dropped []backendRequest
	conns   []*backendConn
	wg      sync.WaitGroup
}

// startBackend listens on 127.0.0.1:0; handler nil means echoHandler. It is
// stopped when the test ends.
func startBackend(t testing.TB, handler func(*backendRequest) backendResponse) *backend {
	t.Helper()
	return startBackendWith(t, &backend{handler: handler})
}

// startITKLikeBackend is an echo backend with dropOtherHost.
func startITKLikeBackend(t testing.TB) *backend {
	t.Helper()
	return startBackendWith(t, &backend{dropOtherHost: true})
}

// startUnixBackend is an echo backend on a unix socket; Addr is its path.
func startUnixBackend(t testing.TB) *backend {
	t.Helper()
	// A short directory: socket paths are limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "e2e-sock-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	ln, err := net.Listen("unix", filepath.Join(dir, "up.sock"))
	if err != nil {
		t.Fatal(err)
	}
	return startBackendWith(t, &backend{ln: ln})
}

// startBackendWith starts b, configured but not yet serving; without a
// listener it listens on 127.0.0.1:0.
func startBackendWith(t testing.TB, b *backend) *backend {
	t.Helper()
	ln := b.ln
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	if b.handler == nil {
		b.handler = echoHandler
	}
	b.t, b.ln, b.Addr = t, ln, ln.Addr().String()
	b.wg.Add(1)
	go b.acceptLoop()
	t.Cleanup(b.Close)
	return b
}

// Close stops accepting, closes every connection and waits for the goroutines.
func (b *backend) Close() {
	_ = b.ln.Close()
	b.mu.Lock()
	b.closed = true
	for _, c := range b.conns {
		_ = c.nc.Close()
	}
	b.mu.Unlock()
	b.wg.Wait()
}

func (b *backend) acceptLoop() {
	defer b.wg.Done()
	for {
		nc, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			_ = nc.Close()
			return
		}
		c := &backendConn{ID: len(b.conns) + 1, Opened: time.Now(), nc: nc}
		b.conns = append(b.conns, c)
		b.mu.Unlock()
		b.wg.Add(1)
		go b.serve(c)
	}
}

func (b *backend) serve(c *backendConn) {
	defer b.wg.Done()
	defer func() {
		_ = c.nc.Close()
		b.mu.Lock()
		c.Closed = time.Now()
		c.idle = false
		b.mu.Unlock()
	}()
	br := bufio.NewReader(c.nc)
	for n := 1; ; n++ {
		b.setIdle(c, true)
		req, err := readBackendRequest(br)
		b.setIdle(c, false)
		if err != nil {
			// EOF or RST while waiting: the proxy closed it; an error from
			// our own Close/CloseIdle is not the peer's doing.
			b.mu.Lock()
			c.ByPeer = errors.Is(err, io.EOF) || isReset(err)
			b.mu.Unlock()
			return
		}
		req.ConnID, req.ConnRequestOrdinal = c.ID, n
		b.mu.Lock()
		if b.dropOtherHost && len(c.Hosts) > 0 && !strings.EqualFold(c.Hosts[0], req.get("Host")) {
			b.dropped = append(b.dropped, *req)
			b.mu.Unlock()
			return
		}
		b.reqs = append(b.reqs, *req)
		c.Hosts = append(c.Hosts, req.get("Host"))
		b.mu.Unlock()
		resp := b.handler(req)
		keep := !resp.Close && wantsKeepAlive(req)
		if resp.Raw != nil {
			for i, part := range resp.Raw {
				if i > 0 {
					time.Sleep(10 * time.Millisecond)
				}
				if _, err := io.WriteString(c.nc, part); err != nil {
					return
				}
			}
			if resp.Close || !keep {
				return
			}
			continue
		}
		if resp.Tunnel {
			if writeBackendResponse(c.nc, req, resp, true) == nil {
				_, _ = io.Copy(c.nc, br)
			}
			return
		}
		if err := writeBackendResponse(c.nc, req, resp, keep); err != nil || !keep {
			return
		}
	}
}

func (b *backend) setIdle(c *backendConn, idle bool) {
	b.mu.Lock()
	c.idle = idle
	b.mu.Unlock()
}

// wantsKeepAlive applies HTTP/1.x's persistence rules to a request.
func wantsKeepAlive(r *backendRequest) bool {
	conn := strings.ToLower(r.get("Connection"))
	if r.Proto == "HTTP/1.0" {
		return strings.Contains(conn, "keep-alive")
	}
	return !strings.Contains(conn, "close")
}

// CloseIdle closes, from the upstream side, every connection waiting for
// its next request, and returns how many.
func (b *backend) CloseIdle() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, c := range b.conns {
		if c.idle && c.Closed.IsZero() {
			_ = c.nc.Close()
			n++
		}
	}
	return n
}

// Dropped returns a copy of every request dropped by dropOtherHost.
func (b *backend) Dropped() []backendRequest {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]backendRequest(nil), b.dropped...)
}

// Requests returns a copy of every request received so far.
func (b *backend) Requests() []backendRequest {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]backendRequest(nil), b.reqs...)
}

// Conns returns a copy of every connection record.
func (b *backend) Conns() []backendConn {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]backendConn, len(b.conns))
	for i, c := range b.conns {
		out[i] = *c
		out[i].Hosts = append([]string(nil), c.Hosts...)
		out[i].nc = nil
	}
	return out
}

// OpenConns counts connections still open, per Host of their first request
// ("" for a connection that carried none yet).
func (b *backend) OpenConns() map[string]int {
	out := map[string]int{}
	for _, c := range b.Conns() {
		if c.Closed.IsZero() {
			h := ""
			if len(c.Hosts) > 0 {
				h = c.Hosts[0]
			}
			out[h]++
		}
	}
	return out
}

// readBackendRequest reads one request head and its body (Content-Length
// or chunked). Proxies send well-formed requests; anything else is an error.
func readBackendRequest(br *bufio.Reader) (*backendRequest, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		if line == "" {
			return nil, io.EOF
		}
		return nil, err
	}
	f := strings.Fields(line)
	if len(f) != 3 {
		return nil, fmt.Errorf("bad request line %q", line)
	}
	r := &backendRequest{Method: f[0], URI: f[1], Proto: f[2]}
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			break
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("bad header line %q", l)
		}
		r.Header = append(r.Header, headerField{name, strings.TrimSpace(value)})
	}
	switch {
	case strings.EqualFold(r.get("Transfer-Encoding"), "chunked"):
		r.Body, err = readChunked(br)
		if err != nil {
			return nil, err
		}
	case r.get("Content-Length") != "":
		n, err := strconv.Atoi(r.get("Content-Length"))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("bad Content-Length %q", r.get("Content-Length"))
		}
		r.Body = make([]byte, n)
		if _, err := io.ReadFull(br, r.Body); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func writeBackendResponse(w io.Writer, req *backendRequest, resp backendResponse, keep bool) error {
	if resp.Delay > 0 {
		time.Sleep(resp.Delay)
	}
	if resp.Status == 0 {
		resp.Status = 200
	}
	if resp.Reason == "" {
		resp.Reason = reasonPhrase(resp.Status)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "HTTP/1.1 %d %s\r\n", resp.Status, resp.Reason)
	for _, h := range resp.Header {
		fmt.Fprintf(&sb, "%s: %s\r\n", h.Name, h.Value)
	}
	if resp.Tunnel {
		sb.WriteString("Upgrade: e2e-echo\r\nConnection: Upgrade\r\n\r\n")
		_, err := io.WriteString(w, sb.String())
		return err
	}
	noBody := resp.Status == 204 || resp.Status == 304 || resp.Status < 200
	switch {
	case noBody:
	case resp.Chunked:
		sb.WriteString("Transfer-Encoding: chunked\r\n")
	default:
		fmt.Fprintf(&sb, "Content-Length: %d\r\n", len(resp.Body))
	}
	switch {
	case !keep:
		sb.WriteString("Connection: close\r\n")
	case req.Proto == "HTTP/1.0":
		sb.WriteString("Connection: keep-alive\r\n")
	}
	sb.WriteString("\r\n")
	if !noBody && req.Method != "HEAD" {
		if resp.Chunked {
			// Two chunks, so a proxy cannot get away with one read.
			half := len(resp.Body) / 2
			for _, part := range [][]byte{resp.Body[:half], resp.Body[half:]} {
				if len(part) > 0 {
					fmt.Fprintf(&sb, "%x\r\n%s\r\n", len(part), part)
				}
			}
			sb.WriteString("0\r\n\r\n")
		} else {
			sb.Write(resp.Body)
		}
	}
	_, err := io.WriteString(w, sb.String())
	return err
}

func reasonPhrase(code int) string {
	switch code {
	case 100:
		return "Continue"
	case 101:
		return "Switching Protocols"
	case 200:
		return "OK"
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
	case 503:
		return "Service Unavailable"
	}
	return "Status " + strconv.Itoa(code)
}

// echoHandler answers with what it received: request line, the headers
// (lower-cased names, sorted, stable), and the body length and text. The
// query steers the response: status=N, location=URL, chunked=1, close=1,
// keepalive=HINT (a Keep-Alive header), delay=MS, setcookie=V.
func echoHandler(r *backendRequest) backendResponse {
	q := url.Values{}
	if _, raw, ok := strings.Cut(r.URI, "?"); ok {
		q, _ = url.ParseQuery(raw)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s %s %s\n", r.Method, r.URI, r.Proto)
	hs := make([]string, 0, len(r.Header))
	for _, h := range r.Header {
		hs = append(hs, strings.ToLower(h.Name)+": "+h.Value)
	}
	sort.SliceStable(hs, func(i, j int) bool {
		return strings.SplitN(hs[i], ":", 2)[0] < strings.SplitN(hs[j], ":", 2)[0]
	})
	for _, h := range hs {
		sb.WriteString(h + "\n")
	}
	if len(r.Body) > 256 {
		fmt.Fprintf(&sb, "body %d bytes, sha256 %x\n", len(r.Body), sha256.Sum256(r.Body))
	} else {
		fmt.Fprintf(&sb, "body %d bytes: %q\n", len(r.Body), r.Body)
	}
	resp := backendResponse{
		Body: []byte(sb.String()),
		Header: []headerField{
			{"Content-Type", "text/plain; charset=utf-8"},
			{"Server", "echo-backend"},
			{"X-Secret", "s3cret"},
			{"X-Powered-By", "e2e"},
		},
	}
	if s := q.Get("status"); s != "" {
		resp.Status, _ = strconv.Atoi(s)
	}
	if l := q.Get("location"); l != "" {
		resp.Header = append(resp.Header, headerField{"Location", l})
	}
	if v := q.Get("keepalive"); v != "" {
		resp.Header = append(resp.Header, headerField{"Keep-Alive", v})
	}
	if v := q.Get("setcookie"); v != "" {
		resp.Header = append(resp.Header, headerField{"Set-Cookie", v})
	}
	if ms, err := strconv.Atoi(q.Get("delay")); err == nil {
		resp.Delay = time.Duration(ms) * time.Millisecond
	}
	if n, err := strconv.Atoi(q.Get("size")); err == nil && n >= 0 {
		resp.Body = patternBytes(n)
	}
	resp.Chunked = q.Get("chunked") == "1"
	if strings.EqualFold(r.get("Upgrade"), "e2e-echo") {
		resp.Status, resp.Tunnel = 101, true
	}
	resp.Close = q.Get("close") == "1"
	return resp
}

// patternBytes is n bytes whose every 16-byte block says where it is, so a
// lost or repeated piece shows in a diff.
func patternBytes(n int) []byte {
	var b strings.Builder
	for i := 0; b.Len() < n; i += 16 {
		fmt.Fprintf(&b, "%015x\n", i)
	}
	return []byte(b.String()[:n])
}
