// Package itkdemo is a small HTTP/1.1 backend that behaves like Apache with
// mpm-itk towards a proxy: once a connection has served a request for one
// vhost, a request for another vhost on it gets no response at all — the
// connection is closed (FIN) — and a connection serves at most MaxRequests
// requests (the last carries "Connection: close") and closes after IdleTimeout.
//
// It backs `make run` and fast tests; the real Apache mpm-itk is exercised by
// the integration tests (internal/testenv).
package itkdemo

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Backend. Zero values take Apache's defaults as the
// lab configures them.
type Options struct {
	// Vhosts are the known names; the first is the default vhost for any
	// other Host, as Apache's first <VirtualHost>.
	Vhosts []string
	// MaxRequests per connection: Apache's MaxKeepAliveRequests + 1 (the
	// first request plus 100 keepalives). Default 101.
	MaxRequests int
	// IdleTimeout is Apache's KeepAliveTimeout. Default 5s.
	IdleTimeout time.Duration
	// Log, when set, receives one line per new connection and per refusal.
	Log func(format string, args ...any)
}

// Stats counts what the backend saw.
type Stats struct {
	Connections  int64            // TCP connections accepted
	Requests     int64            // requests answered
	Refused      int64            // requests for another vhost: closed without response
	NewConnsPer  map[string]int64 // connections by the vhost they were bound to
	RequestsPer  map[string]int64
	ConnsInUse   int64
	MaxReqOnConn int64
}

// Backend is an mpm-itk-like HTTP server.
type Backend struct {
	opt    Options
	srv    *http.Server
	connID atomic.Int64

	mu          sync.Mutex
	stats       Stats
	maxReqOnCon int64
}

type connKey struct{}

// connState is what one TCP connection remembers: the vhost ("uid") it
// switched to and how many requests it served.
type connState struct {
	id       int64
	vhost    string
	requests int64
}

// New returns a Backend; call Serve to run it.
func New(opt Options) *Backend {
	if len(opt.Vhosts) == 0 {
		opt.Vhosts = []string{"a.test", "b.test", "c.test"}
	}
	if opt.MaxRequests == 0 {
		opt.MaxRequests = 101
	}
	if opt.IdleTimeout == 0 {
		opt.IdleTimeout = 5 * time.Second
	}
	b := &Backend{opt: opt}
	b.stats.NewConnsPer = map[string]int64{}
	b.stats.RequestsPer = map[string]int64{}
	b.srv = &http.Server{
		Handler:           http.HandlerFunc(b.serveHTTP),
		IdleTimeout:       opt.IdleTimeout,
		ReadHeaderTimeout: 30 * time.Second,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			b.mu.Lock()
			b.stats.Connections++
			b.mu.Unlock()
			return context.WithValue(ctx, connKey{}, &connState{id: b.connID.Add(1)})
		},
	}
	return b
}

// Serve accepts connections on l until Close.
func (b *Backend) Serve(l net.Listener) error {
	err := b.srv.Serve(l)
	if err == http.ErrServerClosed {
		return nil
	}
	return err
}

// Close stops the backend and closes every connection.
func (b *Backend) Close() error { return b.srv.Close() }

// Stats returns a copy of the counters.
func (b *Backend) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.stats
	s.MaxReqOnConn = b.maxReqOnCon
	s.NewConnsPer = make(map[string]int64, len(b.stats.NewConnsPer))
	for k, v := range b.stats.NewConnsPer {
		s.NewConnsPer[k] = v
	}
	s.RequestsPer = make(map[string]int64, len(b.stats.RequestsPer))
	for k, v := range b.stats.RequestsPer {
		s.RequestsPer[k] = v
	}
	return s
}

// vhostFor resolves a Host header the way Apache picks a name-based vhost:
// case-insensitive, port ignored, unknown names go to the first vhost.
func (b *Backend) vhostFor(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, v := range b.opt.Vhosts {
		if v == host {
			return v
		}
	}
	return b.opt.Vhosts[0]
}

func (b *Backend) serveHTTP(w http.ResponseWriter, r *http.Request) {
	cs := r.Context().Value(connKey{}).(*connState)
	vhost := b.vhostFor(r.Host)
	if cs.vhost == "" {
		cs.vhost = vhost
		b.mu.Lock()
		b.stats.NewConnsPer[vhost]++
		b.mu.Unlock()
		b.logf("conn #%d bound to %s", cs.id, vhost)
	} else if cs.vhost != vhost {
		// mpm-itk: setuid to another user is impossible; close, say nothing.
		b.mu.Lock()
		b.stats.Refused++
		b.mu.Unlock()
		b.logf("conn #%d is %s: request for %s refused, closing (as mpm-itk)", cs.id, cs.vhost, vhost)
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	// Apache reads (and discards) the body of a request to a static page.
	n, _ := io.Copy(io.Discard, r.Body)
	cs.requests++
	b.mu.Lock()
	b.stats.Requests++
	b.stats.RequestsPer[vhost]++
	if cs.requests > b.maxReqOnCon {
		b.maxReqOnCon = cs.requests
	}
	b.mu.Unlock()
	if cs.requests >= int64(b.opt.MaxRequests) {
		w.Header().Set("Connection", "close")
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("X-Backend-Conn", fmt.Sprint(cs.id))
	fmt.Fprintf(w, "hello from %s: connection #%d, request %d on it, %s %s, %d body bytes\n",
		vhost, cs.id, cs.requests, r.Method, r.URL.RequestURI(), n)
}

func (b *Backend) logf(format string, args ...any) {
	if b.opt.Log != nil {
		b.opt.Log(format, args...)
	}
}
