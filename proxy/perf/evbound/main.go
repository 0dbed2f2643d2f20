//go:build linux

// Command evbound is a measurement, not a proxy: the least a Go event-loop
// proxy can cost per request on the mpm-itk case, to decide with numbers
// whether rewriting sliceproxy's hot path as an event loop would pay
// (proxy/perf/NOTES.md, eighth session).
//
// One goroutine locked to its thread blocks in a raw epoll_pwait (no
// runtime scheduler or network poller between an event and its handler),
// sockets are non-blocking and edge-triggered with readiness kept per
// client socket as nginx keeps it, and idle upstream connections are kept
// per Host header (at most 32 each, most recently used first). It does no
// HTTP work beyond finding the head's end, Host, Content-Length and
// Connection: no routing, no variables, no header rewriting, no timeouts,
// none of sliceproxy's framing defences. Never put it in front of anything
// but a benchmark's backend.
//
//	evbound -listen 127.0.0.1:19001 -backend 127.0.0.1:8081
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"sliceproxy/internal/rawsys"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:19001", "address to listen on")
	backend := flag.String("backend", "", "upstream address (ip:port)")
	flag.Parse()
	runtime.GOMAXPROCS(1) // as worker_processes 1
	l, err := newLoop(*listen, *backend)
	if err != nil {
		fmt.Fprintln(os.Stderr, "evbound:", err)
		os.Exit(1)
	}
	// SIGTERM or SIGINT closes stopW, which ends the loop; it then prints
	// its counts. (The loop holds the only P while it waits; the runtime's
	// preemption signal lets this goroutine run within a few ms.)
	stopR, stopW, err := os.Pipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "evbound:", err)
		os.Exit(1)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	go func() { <-sig; stopW.Close() }()
	l.run(stopR)
}

// maxIdlePerHost caps the idle upstream connections kept per Host, as
// keepalive 32 does for each of nginx's per-vhost upstreams in make bench.
const maxIdlePerHost = 32

type conn struct {
	fd     int
	client bool
	buf    []byte
	n      int // bytes in buf

	// client side
	// The request's Host; on an upstream connection, the Host it serves.
	host string

	// client side
	ready bool  // an edge said readable and no short read since
	up    *conn // the upstream connection serving its request

	// upstream side
	cl      *conn  // the client it serves; nil when idle
	pending []byte // the request, until the connect completes
	head    int    // response head length, once parsed
	clen    int
	close   bool // the response said Connection: close
}

type loop struct {
	epfd, lfd int
	backend   syscall.SockaddrInet4
	conns     map[int]*conn
	idle      map[string][]*conn
	out       []byte
	events    []unix.EpollEvent
	// Counters, for the test and a final line on stderr.
	requests, dials int
}

func newLoop(listen, backend string) (*loop, error) {
	bp, err := netip.ParseAddrPort(backend)
	if err != nil || !bp.Addr().Is4() {
		return nil, fmt.Errorf("-backend %q: want an IPv4 ip:port", backend)
	}
	lp, err := netip.ParseAddrPort(listen)
	if err != nil || !lp.Addr().Is4() {
		return nil, fmt.Errorf("-listen %q: want an IPv4 ip:port", listen)
	}
	l := &loop{
		backend: syscall.SockaddrInet4{Port: int(bp.Port()), Addr: bp.Addr().As4()},
		conns:   map[int]*conn{},
		idle:    map[string][]*conn{},
		events:  make([]unix.EpollEvent, 512),
	}
	if l.lfd, err = syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0); err != nil {
		return nil, err
	}
	_ = syscall.SetsockoptInt(l.lfd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	if err := syscall.Bind(l.lfd, &syscall.SockaddrInet4{Port: int(lp.Port()), Addr: lp.Addr().As4()}); err != nil {
		syscall.Close(l.lfd)
		return nil, fmt.Errorf("bind %s: %w", listen, err)
	}
	if err := syscall.Listen(l.lfd, 511); err != nil {
		syscall.Close(l.lfd)
		return nil, err
	}
	if l.epfd, err = syscall.EpollCreate1(syscall.EPOLL_CLOEXEC); err != nil {
		syscall.Close(l.lfd)
		return nil, err
	}
	l.add(l.lfd, unix.EPOLLIN)
	return l, nil
}

// addr returns the listening address (the test listens on port 0).
func (l *loop) addr() string {
	sa, _ := syscall.Getsockname(l.lfd)
	a := sa.(*syscall.SockaddrInet4)
	return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port)).String()
}

// run serves until stop becomes readable (its writer closed), then closes
// everything and prints its counts.
func (l *loop) run(stop *os.File) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	stopFd := int(stop.Fd())
	l.add(stopFd, unix.EPOLLIN)
	defer l.closeAll()
	// The descriptor's number stays ours while stop is reachable (a
	// collected *os.File closes it, and a socket could get the number).
	defer runtime.KeepAlive(stop)
	for {
		n := l.wait()
		for i := 0; i < n; i++ {
			fd := int(l.events[i].Fd)
			switch c := l.conns[fd]; {
			case fd == stopFd:
				return
			case fd == l.lfd:
				l.accept()
			case c == nil:
			case c.client:
				l.clientReadable(c)
			default:
				l.upstreamEvent(c, l.events[i].Events)
			}
		}
	}
}

// wait blocks in epoll_pwait as a raw system call: the thread keeps its P
// and nothing of the runtime runs between an event and its handler.
func (l *loop) wait() int {
	n, _, e := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(l.epfd),
		uintptr(unsafe.Pointer(&l.events[0])), uintptr(len(l.events)), ^uintptr(0), 0, 0)
	if e != 0 {
		return 0 // EINTR (the runtime's preemption signal)
	}
	return int(n)
}

// send writes all of b with raw sendmsg calls.
func send(fd int, b []byte) syscall.Errno {
	for len(b) > 0 {
		iov := [1]unix.Iovec{{Base: &b[0]}}
		iov[0].SetLen(len(b))
		n, e := rawsys.Sendmsg(uintptr(fd), iov[:], true)
		if e != 0 {
			return e // EAGAIN included: a benchmark's small messages fit the socket buffer
		}
		b = b[n:]
	}
	return 0
}

func (l *loop) add(fd int, events uint32) {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
	_ = unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, fd, &ev)
}

func (l *loop) closeConn(c *conn) {
	delete(l.conns, c.fd)
	_, _, _ = syscall.RawSyscall(syscall.SYS_CLOSE, uintptr(c.fd), 0, 0)
}

func (l *loop) closeAll() {
	for _, c := range l.conns {
		l.closeConn(c)
	}
	syscall.Close(l.lfd)
	syscall.Close(l.epfd)
	fmt.Fprintf(os.Stderr, "evbound: %d requests, %d upstream connections\n", l.requests, l.dials)
}

func (l *loop) accept() {
	for {
		fd, _, err := syscall.Accept4(l.lfd, syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
		if err != nil {
			return
		}
		_ = syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
		l.conns[fd] = &conn{fd: fd, client: true, buf: make([]byte, 16384)}
		l.add(fd, unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLET)
	}
}

func (l *loop) clientReadable(c *conn) {
	c.ready = true
	if c.up != nil {
		return // busy: read when the response is done
	}
	drained, ok := fill(c)
	if !ok {
		l.closeConn(c)
		return
	}
	c.ready = !drained
	l.serve(c)
}

// fill reads into c.buf until a read comes back short (drained: the
// socket has nothing more) or the buffer is full; false when the peer
// ended the connection or it failed.
func fill(c *conn) (drained, ok bool) {
	for c.n < len(c.buf) {
		m, e := rawsys.Recv(uintptr(c.fd), c.buf[c.n:], 0)
		if e == syscall.EAGAIN {
			return true, true
		}
		if e != 0 || m == 0 {
			return true, false
		}
		c.n += m
		if c.n < len(c.buf) {
			return true, true
		}
	}
	return false, true
}

var crlf2 = []byte("\r\n\r\n")

// headerLines calls fn for each header line of head (request or status
// line excluded), name and trimmed value.
func headerLines(head []byte, fn func(line, name, value []byte)) {
	rest := head[bytes.IndexByte(head, '\n')+1:]
	for len(rest) > 0 {
		e := bytes.IndexByte(rest, '\n')
		if e < 0 {
			return
		}
		line := rest[:e+1]
		rest = rest[e+1:]
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			continue
		}
		fn(line, line[:colon], bytes.TrimSpace(line[colon+1:]))
	}
}

// serve sends the complete request at the start of c.buf, if there is one,
// with Connection dropped and Host last (proxy_set_header Connection "";
// proxy_set_header Host $host).
func (l *loop) serve(c *conn) {
	h := bytes.Index(c.buf[:c.n], crlf2)
	if h < 0 {
		if c.n == len(c.buf) {
			l.closeConn(c) // a head larger than the buffer
		}
		return
	}
	head := c.buf[:h+2]
	l.out = append(l.out[:0], head[:bytes.IndexByte(head, '\n')+1]...)
	var host []byte
	clen := 0
	headerLines(head, func(line, name, value []byte) {
		switch {
		case bytes.EqualFold(name, []byte("host")):
			host = value
			return
		case bytes.EqualFold(name, []byte("connection")):
			return
		case bytes.EqualFold(name, []byte("content-length")):
			clen, _ = strconv.Atoi(string(value))
		}
		l.out = append(l.out, line...)
	})
	total := h + 4 + clen
	if c.n < total {
		return // the body is still coming
	}
	l.out = append(l.out, "Host: "...)
	l.out = append(l.out, host...)
	l.out = append(l.out, "\r\n\r\n"...)
	l.out = append(l.out, c.buf[h+4:total]...)
	if string(host) != c.host { // no new string while the Host stays
		c.host = string(host)
	}
	copy(c.buf, c.buf[total:c.n])
	c.n -= total
	l.requests++
	l.forward(c, l.out)
}

func (l *loop) forward(c *conn, req []byte) {
	var u *conn
	if list := l.idle[c.host]; len(list) > 0 {
		u = list[len(list)-1]
		l.idle[c.host] = list[:len(list)-1]
	} else {
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			l.closeConn(c)
			return
		}
		_ = syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
		u = &conn{fd: fd, buf: make([]byte, 16384), host: c.host}
		l.conns[fd] = u
		l.dials++
		l.add(fd, unix.EPOLLIN|unix.EPOLLOUT|unix.EPOLLRDHUP|unix.EPOLLET)
		if err := syscall.Connect(fd, &l.backend); err != nil && !errors.Is(err, syscall.EINPROGRESS) {
			l.closeConn(u)
			l.closeConn(c)
			return
		}
		u.pending = append(u.pending[:0], req...)
		u.cl, c.up = c, u
		return // sent when the connect completes (EPOLLOUT)
	}
	u.cl, c.up = c, u
	u.n, u.head, u.clen, u.close = 0, 0, 0, false
	if send(u.fd, req) != 0 {
		l.fail(u)
	}
}

// fail ends a request whose upstream connection broke: the client is
// closed (a benchmark counts it as a socket error).
func (l *loop) fail(u *conn) {
	if c := u.cl; c != nil {
		c.up = nil
		l.closeConn(c)
	}
	l.closeConn(u)
}

func (l *loop) upstreamEvent(u *conn, ev uint32) {
	if ev&unix.EPOLLOUT != 0 && len(u.pending) > 0 {
		e := send(u.fd, u.pending)
		u.pending = u.pending[:0]
		if e != 0 {
			l.fail(u)
			return
		}
	}
	if ev&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) == 0 {
		return
	}
	if u.cl == nil { // idle: data or end of stream means it is done
		if _, e := rawsys.Recv(uintptr(u.fd), u.buf, 0); e == syscall.EAGAIN {
			return
		}
		l.dropIdle(u)
		l.closeConn(u)
		return
	}
	if _, ok := fill(u); !ok {
		l.fail(u)
		return
	}
	if u.head == 0 {
		h := bytes.Index(u.buf[:u.n], crlf2)
		if h < 0 {
			return
		}
		u.head = h + 4
		headerLines(u.buf[:h+2], func(_, name, value []byte) {
			switch {
			case bytes.EqualFold(name, []byte("content-length")):
				u.clen, _ = strconv.Atoi(string(value))
			case bytes.EqualFold(name, []byte("connection")) && bytes.EqualFold(value, []byte("close")):
				u.close = true
			}
		})
	}
	if u.n < u.head+u.clen {
		if u.head+u.clen > len(u.buf) {
			l.fail(u) // larger than the buffer: not a benchmark response
		}
		return
	}
	c := u.cl
	if send(c.fd, u.buf[:u.head+u.clen]) != 0 {
		l.fail(u)
		return
	}
	u.cl, c.up = nil, nil
	if u.close || len(l.idle[u.host]) >= maxIdlePerHost {
		l.closeConn(u)
	} else {
		l.idle[u.host] = append(l.idle[u.host], u)
	}
	if c.n > 0 {
		l.serve(c) // pipelined
	}
	if c.up == nil && c.ready {
		l.clientReadable(c)
	}
}

func (l *loop) dropIdle(u *conn) {
	list := l.idle[u.host]
	for i, x := range list {
		if x == u {
			l.idle[u.host] = append(list[:i], list[i+1:]...)
			return
		}
	}
}
