// Package perf holds the in-process benchmarks of the proxy hot path: a
// client, the proxy and a backend in one process over loopback, driven
// through proxy's public API (Load, NewServer, Serve, Close) exactly as
// cmd/sliceproxy drives it. The client and the backend allocate nothing per
// request, so allocs/op is the proxy's own count. Compare runs with
// benchstat:
//
//	go test -run '^$' -bench . -benchmem -count 8 ./proxy/perf > new.txt
//	benchstat old.txt new.txt
//
// -cpu 1 mirrors `worker_processes 1` (GOMAXPROCS=1). CPU and allocation
// profiles of the same path:
//
//	go test -run '^$' -bench 'Proxied/get-100B-c1$' -benchtime 200000x -cpu 1 \
//	    -cpuprofile cpu.out -memprofile mem.out -memprofilerate 1 ./proxy/perf
//
// rawcase.sh runs make bench's raw case (sliceproxy builds next to nginx,
// pinned as make bench pins them) by hand, for A/B runs, strace, perf and
// schedstat; see its header.
package perf

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"sliceproxy/nginxconf"
	"sliceproxy/proxy"
)

// backend answers every request head with one canned response as fast as a
// loop can: the benchmark then measures the proxy, not the backend. It
// understands request bodies given by Content-Length (enough for the POST
// cases) and pipelined heads.
type backend struct {
	ln   net.Listener
	resp []byte
	wg   sync.WaitGroup
	mu   sync.Mutex
	open map[net.Conn]struct{}
}

// startBackend listens on a kernel-chosen loopback port; it is stopped by
// tb's cleanup, with every connection it accepted.
func startBackend(tb testing.TB, resp []byte) *backend {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	be := &backend{ln: ln, resp: resp, open: map[net.Conn]struct{}{}}
	be.wg.Add(1)
	go be.accept()
	tb.Cleanup(be.close)
	return be
}

func (be *backend) accept() {
	defer be.wg.Done()
	for {
		c, err := be.ln.Accept()
		if err != nil {
			return
		}
		be.mu.Lock()
		be.open[c] = struct{}{}
		be.mu.Unlock()
		be.wg.Add(1)
		go be.serve(c)
	}
}

func (be *backend) serve(c net.Conn) {
	defer be.wg.Done()
	defer c.Close()
	buf := make([]byte, 64<<10)
	have := 0
	for {
		n, err := c.Read(buf[have:])
		if err != nil {
			return
		}
		have += n
		for {
			end := bytes.Index(buf[:have], crlfcrlf)
			if end < 0 {
				break
			}
			end += len(crlfcrlf)
			need := end + contentLength(buf[:end])
			if need > have {
				break // the body is still coming
			}
			if _, err := c.Write(be.resp); err != nil {
				return
			}
			have = copy(buf, buf[need:have])
		}
		if have == len(buf) {
			return // a head larger than the buffer: not a benchmark request
		}
	}
}

func (be *backend) close() {
	be.ln.Close()
	be.mu.Lock()
	for c := range be.open {
		c.Close()
	}
	be.mu.Unlock()
	be.wg.Wait()
}

var crlfcrlf = []byte("\r\n\r\n")

// contentLength finds a Content-Length in a request or response head
// (0 when absent); benchmark traffic only, no validation.
func contentLength(head []byte) int {
	i := bytes.Index(head, []byte("\nContent-Length: "))
	if i < 0 {
		i = bytes.Index(head, []byte("\ncontent-length: "))
	}
	if i < 0 {
		return 0
	}
	rest := head[i+len("\nContent-Length: "):]
	n := 0
	for _, c := range rest {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// cannedResponse is an upstream answer with a body of n bytes, either with
// Content-Length or chunked in one chunk.
func cannedResponse(n int, chunked bool) []byte {
	body := bytes.Repeat([]byte("x"), n)
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 200 OK\r\nServer: backend\r\nDate: Sat, 21 Nov 2026 06:00:00 GMT\r\nContent-Type: text/plain\r\n")
	if chunked {
		b.WriteString("Transfer-Encoding: chunked\r\n\r\n")
		b.WriteString(strconv.FormatInt(int64(n), 16) + "\r\n")
		b.Write(body)
		b.WriteString("\r\n0\r\n\r\n")
		return b.Bytes()
	}
	b.WriteString("Content-Length: " + strconv.Itoa(n) + "\r\nConnection: keep-alive\r\n\r\n")
	b.Write(body)
	return b.Bytes()
}

// startProxy loads an nginx configuration (http{} body given) and serves it
// on a kernel-chosen loopback port; it is closed by tb's cleanup. Logs go
// below a temporary prefix.
func startProxy(tb testing.TB, httpBody string) string {
	tb.Helper()
	dir := tb.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		tb.Fatal(err)
	}
	conf := "error_log " + dir + "/logs/error.log error;\npid off;\nevents { worker_connections 1024; }\nhttp {\n" + httpBody + "\n}\n"
	cfg, diags := nginxconf.ParseBytes(filepath.Join(dir, "nginx.conf"), []byte(conf), nginxconf.Options{Prefix: dir + "/"})
	failOnErrors(tb, diags)
	rt, diags := proxy.Load(cfg, proxy.LoadOptions{Prefix: dir + "/"})
	failOnErrors(tb, diags)
	srv, err := proxy.NewServer(rt)
	if err != nil {
		rt.Close()
		tb.Fatal(err)
	}
	addrs := srv.Addrs()
	if len(addrs) != 1 {
		_ = srv.Close()
		tb.Fatalf("want one listener, have %v", addrs)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve()
	}()
	tb.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return addrs[0].String()
}

func failOnErrors(tb testing.TB, diags []nginxconf.Diagnostic) {
	tb.Helper()
	for _, d := range diags {
		if d.Severity == nginxconf.SevError {
			tb.Fatalf("config: %v", d)
		}
	}
}

// client is one keep-alive client connection that sends a fixed request and
// reads Content-Length or chunked responses without allocating.
type client struct {
	c   net.Conn
	br  *bufio.Reader
	req []byte
}

func dialClient(tb testing.TB, addr string, req []byte) *client {
	tb.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return &client{c: c, br: bufio.NewReaderSize(c, 64<<10), req: req}
}

// do sends the request and reads the whole response; it fails on anything
// but a 200.
func (cl *client) do() error {
	if _, err := cl.c.Write(cl.req); err != nil {
		return err
	}
	return readResponse(cl.br)
}

var errStatus = errors.New("response status is not 200")

// readResponse reads one 200 response framed by Content-Length or chunked.
func readResponse(br *bufio.Reader) error {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) {
		return errStatus
	}
	n, chunked := -1, false
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			break
		}
		switch {
		case hasPrefixFold(line, "Content-Length: "):
			n, _ = atoi(bytes.TrimSpace(line[len("Content-Length: "):]), 10)
		case hasPrefixFold(line, "Transfer-Encoding: chunked"):
			chunked = true
		}
	}
	if !chunked {
		if n < 0 {
			return io.ErrUnexpectedEOF
		}
		_, err := br.Discard(n)
		return err
	}
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, ok := atoi(bytes.TrimSpace(line), 16)
		if !ok {
			return errors.New("bad chunk size")
		}
		if size == 0 {
			for { // trailers up to the empty line
				line, err := br.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(line) <= 2 {
					return nil
				}
			}
		}
		if _, err := br.Discard(size + 2); err != nil {
			return err
		}
	}
}

func hasPrefixFold(b []byte, p string) bool {
	if len(b) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if b[i]|0x20 != p[i]|0x20 {
			return false
		}
	}
	return true
}

// atoi parses a non-negative number without allocating.
func atoi(b []byte, base int) (int, bool) {
	if len(b) == 0 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		var d int
		switch {
		case c >= '0' && c <= '9':
			d = int(c - '0')
		case base == 16 && c|0x20 >= 'a' && c|0x20 <= 'f':
			d = int(c|0x20-'a') + 10
		default:
			return 0, false
		}
		n = n*base + d
	}
	return n, true
}
