//go:build linux

package upstream

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"sliceproxy/internal/rawsys"
	"sliceproxy/internal/testenv"
)

// devNullFDs counts this process's descriptors open on /dev/null.
func devNullFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	n := 0
	for _, e := range ents {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && target == "/dev/null" {
			n++
		}
	}
	return n
}

// TestReaperReleasesAtOnce: a discarded connection's socket is gone at once
// (the peer reads EOF, or a reset when data was left unread, as after
// close(2)), while its descriptor waits for the batch; the batch, or stop,
// closes what waits, and after stop a discard closes at once.
func TestReaperReleasesAtOnce(t *testing.T) {
	srv := newUpstreamServer(t)
	dial := func() (net.Conn, net.Conn) {
		t.Helper()
		c, err := net.Dial("tcp", srv.addr())
		if err != nil {
			t.Fatal(err)
		}
		return c, srv.accept(t)
	}
	base := devNullFDs(t)
	var r reaper

	c, s := dial()
	r.discard(c)
	if !waitEOF(t, s) {
		t.Fatal("the peer did not see the discarded connection closed")
	}
	if got := r.waiting(); got != 1 {
		t.Fatalf("waiting %d, want 1", got)
	}
	// The reaper's /dev/null and the descriptor in the socket's place.
	if got := devNullFDs(t) - base; got != 2 {
		t.Fatalf("%d more descriptors on /dev/null, want 2", got)
	}
	// A discarded connection is nobody's; were it used anyway, it fails
	// rather than writing to /dev/null.
	if _, err := c.Write([]byte("x")); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("write after discard: %v, want a passed deadline", err)
	}

	// Unread data: close(2) answers with a reset, and so does a discard.
	c, s = dial()
	if _, err := s.Write([]byte("unread")); err != nil {
		t.Fatal(err)
	}
	waitReadable(t, c)
	r.discard(c)
	_ = s.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := s.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("peer read after discarding unread data: %v, want ECONNRESET", err)
	}

	for r.waiting() != 0 {
		c, _ := dial()
		r.discard(c)
	}
	if got := devNullFDs(t) - base; got != 1 {
		t.Fatalf("after a full batch %d more descriptors on /dev/null, want 1 (the reaper's)", got)
	}

	c, _ = dial()
	r.discard(c)
	r.stop()
	if got := devNullFDs(t) - base; got != 0 || r.waiting() != 0 {
		t.Fatalf("after stop: %d more descriptors on /dev/null, %d waiting; want 0, 0", got, r.waiting())
	}
	c, s = dial()
	r.discard(c)
	if !waitEOF(t, s) || r.waiting() != 0 {
		t.Fatalf("discard after stop: closed %v, waiting %d", !stillOpen(t, s), r.waiting())
	}
}

// waitReadable waits until c has bytes to read, without reading them.
func waitReadable(t *testing.T, c net.Conn) {
	t.Helper()
	rc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	ready := false
	err = rc.Read(func(fd uintptr) bool {
		n, e := rawsys.Peek(fd)
		ready = e == 0 && n == 1
		return ready || e != unix.EAGAIN
	})
	if err != nil || !ready {
		t.Fatalf("no data arrived: %v", err)
	}
	_ = c.SetReadDeadline(time.Time{})
}

// TestReaperClosesOthersAtOnce: only plain sockets are released; a TLS
// connection must send its close_notify, and a pipe has no socket.
func TestReaperClosesOthersAtOnce(t *testing.T) {
	var r reaper
	defer r.stop()
	a, b := net.Pipe()
	r.discard(a)
	if _, err := b.Write([]byte("x")); !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("pipe write after discard: %v", err)
	}

	certPEM, keyPEM := testenv.SelfSigned(t, "test")
	cert, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan error, 1)
	go func() {
		s, err := ln.Accept()
		if err != nil {
			got <- err
			return
		}
		defer s.Close()
		_ = s.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = s.Read(make([]byte, 1))
		got <- err
	}()
	c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	r.discard(c)
	if err := <-got; err == nil || isTimeout(err) || errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("TLS peer after discard: %v, want a clean end (close_notify)", err)
	}
	if r.waiting() != 0 {
		t.Fatalf("waiting %d, want 0", r.waiting())
	}
}

// TestPoolDiscardsThroughReaper: a connection Put refuses is closed for the
// upstream at once and Pool.Close leaves no descriptor behind.
func TestPoolDiscardsThroughReaper(t *testing.T) {
	base := devNullFDs(t)
	e := newEnv(t, 1, PoolConfig{MaxIdle: 4})
	c, s := e.dial(0)
	o := okOutcome("", 0)
	o.UpstreamKeepAlive = false
	if r := e.put(c, o); r != ReasonUpstreamClose {
		t.Fatalf("refusal %v", r)
	}
	if !waitEOF(t, s) {
		t.Fatal("the upstream did not see the refused connection closed")
	}
	if e.pool.reap.waiting() != 1 {
		t.Fatalf("waiting %d, want 1", e.pool.reap.waiting())
	}
	e.pool.Close()
	if got := devNullFDs(t) - base; got != 0 {
		t.Fatalf("%d descriptors on /dev/null left after Pool.Close", got)
	}
}

// TestDialSocketOptions: TCP_NODELAY always; SO_KEEPALIVE only with
// proxy_socket_keepalive on, and then with the system's timing.
func TestDialSocketOptions(t *testing.T) {
	srv := newUpstreamServer(t)
	peer := &Peer{Name: srv.addr(), Network: "tcp", Addr: srv.addr(), Weight: 1}
	fresh, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	systemIdle, err := unix.GetsockoptInt(fresh, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE)
	unix.Close(fresh)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		opts      DialOptions
		keepalive int
	}{
		{"default", DialOptions{Timeout: time.Second}, 0},
		{"proxy_socket_keepalive on", DialOptions{Timeout: time.Second, SocketKeepalive: true}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPool([]*Peer{peer}, PoolConfig{MaxIdle: 1})
			defer p.Close()
			c, err := p.DialWith(context.Background(), peer, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			rc, err := c.Conn.(syscall.Conn).SyscallConn()
			if err != nil {
				t.Fatal(err)
			}
			var nodelay, keepalive, idle int
			var errs [3]error
			_ = rc.Control(func(fd uintptr) {
				nodelay, errs[0] = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_NODELAY)
				keepalive, errs[1] = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_KEEPALIVE)
				idle, errs[2] = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_KEEPIDLE)
			})
			if err := errors.Join(errs[:]...); err != nil {
				t.Fatal(err)
			}
			if nodelay != 1 || keepalive != tc.keepalive || idle != systemIdle {
				t.Fatalf("TCP_NODELAY %d, SO_KEEPALIVE %d, TCP_KEEPIDLE %d; want 1, %d, %d",
					nodelay, keepalive, idle, tc.keepalive, systemIdle)
			}
		})
	}
}
