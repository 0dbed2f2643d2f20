package proxy

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/net/http2"
)

// HTTP/2 to clients. golang.org/x/net/http2 speaks the protocol; every
// stream is turned into an HTTP/1.1 request on an in-memory pipe served by
// the ordinary request loop, so routing, rewrites, static files, proxying
// and logging behave exactly as for HTTP/1.1. The adapter costs a copy per
// stream; the HTTP/1.1 path, which carries the proxied traffic of an
// mpm-itk front end, does not go through it.

// serveH2 serves an HTTP/2 connection negotiated by ALPN.
func (c *clientConn) serveH2(tc *tls.Conn) {
	c.h2.Store(true)
	srv := &http2.Server{}
	srv.ServeConn(tc, &http2.ServeConnOpts{Handler: h2Handler{c: c}})
}

// h2Handler adapts one stream into the HTTP/1.1 loop.
type h2Handler struct{ c *clientConn }

// h2HopByHop are the HTTP/1.1 connection headers an HTTP/2 response must
// not carry.
var h2HopByHop = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Transfer-Encoding": true,
	"Upgrade": true, "Proxy-Connection": true,
}

func (h h2Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	parent := h.c
	parent.h2Streams.Add(1)
	defer parent.h2Streams.Add(-1)
	front, back := net.Pipe()
	pc := &clientConn{
		srv:    parent.srv,
		nc:     back,
		lkey:   parent.lkey,
		serial: parent.srv.serial.Add(1),
		start:  parent.start,
		remote: parent.remote,
		local:  parent.local,
		tls:    true,
		sni:    parent.sni,
		pipe:   true,
	}
	if !parent.srv.track(pc) {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		pc.serve()
	}()
	defer func() {
		front.Close()
		<-done
	}()

	// The request, in HTTP/1.1 form.
	go func() {
		bw := bufio.NewWriter(front)
		bw.WriteString(r.Method + " " + r.URL.RequestURI() + " HTTP/1.1\r\nHost: " + r.Host + "\r\n")
		for name, values := range r.Header {
			if h2HopByHop[name] || name == "Host" || name == "Content-Length" {
				continue
			}
			for _, v := range values {
				bw.WriteString(name + ": " + v + "\r\n")
			}
		}
		chunked := false
		switch {
		case r.ContentLength > 0:
			bw.WriteString("Content-Length: " + strconv.FormatInt(r.ContentLength, 10) + "\r\n")
		case r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody:
			bw.WriteString("Transfer-Encoding: chunked\r\n")
			chunked = true
		}
		bw.WriteString("Connection: close\r\n\r\n")
		if r.Body != nil {
			var dst io.Writer = bw
			if chunked {
				dst = &chunkWriter{w: bw}
			}
			_, _ = io.Copy(dst, r.Body)
			if chunked {
				bw.WriteString("0\r\n\r\n")
			}
		}
		_ = bw.Flush()
	}()

	resp, err := http.ReadResponse(bufio.NewReader(front), r)
	if err != nil {
		// The loop closed without an answer (444, client errors).
		panic(http.ErrAbortHandler)
	}
	defer resp.Body.Close()
	for name, values := range resp.Header {
		if h2HopByHop[name] {
			continue
		}
		for _, v := range values {
			w.Header().Add(name, v)
		}
	}
	if resp.ContentLength >= 0 && r.Method != http.MethodHead {
		w.Header().Set("Content-Length", strconv.FormatInt(resp.ContentLength, 10))
	}
	w.WriteHeader(resp.StatusCode)
	fl, _ := w.(http.Flusher)
	buf := make([]byte, 16<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			if fl != nil {
				fl.Flush()
			}
		}
		if err != nil {
			return
		}
	}
}

// http2Proto is the protocol nginx reports for an HTTP/2 request: in
// $server_protocol and at the end of $request
// (ngx_http_v2_construct_request_line writes "GET /p HTTP/2.0").
const http2Proto = "HTTP/2.0"

// markHTTP2 makes the parsed HTTP/1.1 form of a stream's request say what
// the client spoke: version 2.0, so that $server_protocol is "HTTP/2.0",
// $request "GET /p HTTP/2.0" and $http2 "h2", as in nginx. The request loop
// (clientConn.serve) must call it for a pipe connection right after a
// successful ReadRequest, before handle. Version 2 also keeps the loop from
// chunking a body of unknown length (it ends the response by closing the
// pipe instead), which HTTP/2's own framing makes unnecessary. The new request line is allocated once per stream: the
// parsed one lives in the reader's buffer and must not be written to.
func (c *clientConn) markHTTP2() {
	req := &c.req
	req.ProtoMajor, req.ProtoMinor = 2, 0
	line := make([]byte, 0, len(req.Method)+1+len(req.Target)+1+len(http2Proto))
	line = append(line, req.Method...)
	line = append(line, ' ')
	line = append(line, req.Target...)
	line = append(line, ' ')
	line = append(line, http2Proto...)
	req.RequestLine = line
	req.Proto = line[len(line)-len(http2Proto):]
}

// chunkWriter frames writes as HTTP/1.1 chunks.
type chunkWriter struct{ w *bufio.Writer }

func (cw *chunkWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	cw.w.WriteString(strconv.FormatInt(int64(len(p)), 16) + "\r\n")
	cw.w.Write(p)
	_, err := cw.w.WriteString("\r\n")
	return len(p), err
}

// alpnProtocols are the protocols an ssl listen offers.
func alpnProtocols(http2 bool) []string {
	if http2 {
		return []string{"h2", "http/1.1"}
	}
	return []string{"http/1.1"}
}

// isH2 reports whether ALPN chose HTTP/2.
func isH2(tc *tls.Conn) bool {
	return strings.EqualFold(tc.ConnectionState().NegotiatedProtocol, "h2")
}
