package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"sliceproxy/proxy/http1"
)

// Server serves one Runtime at a time on the listeners the runtime's `listen`
// directives name. Reload swaps in a new Runtime atomically: requests that
// started on the old one finish on it, and the old one is closed (its pools
// and logs released) when the last of them ends.
type Server struct {
	rt atomic.Pointer[Runtime]

	mu        sync.Mutex
	listeners map[string]*boundListener // by listenKey
	conns     map[*clientConn]struct{}
	// reloadMu serialises Reload, Shutdown and Close.
	reloadMu sync.Mutex

	// connSem bounds client connections (worker_connections); nil means
	// unbounded.
	connSem chan struct{}

	serial atomic.Uint64 // nginx's connection number, $connection
	date   dateCache
	// bufs lends request buffers to client connections only while a
	// request is being read (idle keep-alive clients hold none).
	bufs *http1.BufferPool
	// writers are the clients' buffered writers, held only while a
	// response is written.
	writers sync.Pool
	// idle holds the parked idle keep-alive connections (s2_park.go);
	// reqStates the request states they gave back (s2_statepool.go).
	idle      idleParker
	reqStates sync.Pool
	wg        sync.WaitGroup
	closing   atomic.Bool
	// done is closed when Close or Shutdown starts.
	done     chan struct{}
	doneOnce sync.Once
}

// boundListener is one listening socket.
type boundListener struct {
	key string
	ln  net.Listener
}

// listenKey identifies a socket: network and normalised address.
func listenKey(network, addr string) string { return network + " " + addr }

// NewServer binds every listener rt needs and returns a server ready to
// Serve. Nothing is served before Serve, so the caller can write its pid file
// and drop privileges in between (nginx binds in the master, as root).
func NewServer(rt *Runtime) (*Server, error) {
	s := &Server{
		listeners: make(map[string]*boundListener),
		conns:     make(map[*clientConn]struct{}),
		done:      make(chan struct{}),
		bufs:      http1.NewBufferPool(0),
	}
	s.writers.New = func() any { return bufio.NewWriterSize(nil, clientWriteBuffer) }
	if n := rt.main.workerConnections; n > 0 {
		s.connSem = make(chan struct{}, n)
	}
	if err := s.bind(rt); err != nil {
		s.closeListeners(nil)
		return nil, err
	}
	rt.acquire() // the server's own reference, dropped on swap or close
	s.rt.Store(rt)
	return s, nil
}

// bind opens the listeners of rt that are not open yet.
func (s *Server) bind(rt *Runtime) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range rt.sockets {
		key := listenKey(a.network, a.addr)
		if _, ok := s.listeners[key]; ok {
			continue
		}
		ln, err := listenSocket(a)
		if err != nil {
			return fmt.Errorf("bind() to %s failed: %w", displayAddr(a.network, a.addr), err)
		}
		s.listeners[key] = &boundListener{key: key, ln: ln}
	}
	return nil
}

// listenSocket opens one socket with the listen options nginx has.
func listenSocket(a *socketConf) (net.Listener, error) {
	if a.network == "unix" {
		// nginx removes a stale socket file before binding.
		if st, err := os.Lstat(a.addr); err == nil && st.Mode()&os.ModeSocket != 0 {
			_ = os.Remove(a.addr)
		}
	}
	lc := net.ListenConfig{KeepAlive: -1}
	if a.keepAlive {
		lc.KeepAlive = 0 // Go's default TCP keepalive on accepted connections
	}
	if a.reusePort || a.ipv6Only {
		lc.Control = func(network, address string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) {
				if a.reusePort {
					serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
				}
				if serr == nil && a.ipv6Only {
					serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, 1)
				}
			})
			if err != nil {
				return err
			}
			return serr
		}
	}
	network := a.network
	if network == "tcp" {
		// An IPv6 wildcard without ipv6only=on also takes IPv4 (nginx's
		// default is ipv6only=on since 1.3.4, so we ask for it by default).
		if host, _, _ := net.SplitHostPort(a.addr); net.ParseIP(host).To4() != nil {
			network = "tcp4"
		} else {
			network = "tcp6"
		}
	}
	return lc.Listen(context.Background(), network, a.addr)
}

func displayAddr(network, addr string) string {
	if network == "unix" {
		return "unix:" + addr
	}
	return addr
}

// Addrs returns the bound addresses, for tests and logs (kernel-chosen ports
// of ":0" listens resolved).
func (s *Server) Addrs() []net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]net.Addr, 0, len(s.listeners))
	for _, l := range s.listeners {
		out = append(out, l.ln.Addr())
	}
	return out
}

// Runtime returns the runtime currently served.
func (s *Server) Runtime() *Runtime { return s.rt.Load() }

// Serve accepts connections on every listener until Shutdown or Close. It
// returns nil after a shutdown.
func (s *Server) Serve() error {
	s.mu.Lock()
	for _, l := range s.listeners {
		s.startAccept(l)
	}
	s.mu.Unlock()
	<-s.done
	return nil
}

// startAccept runs the accept loop of one listener; s.mu must be held.
func (s *Server) startAccept(l *boundListener) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.acceptLoop(l)
	}()
}

func (s *Server) acceptLoop(l *boundListener) {
	var backoff time.Duration
	for {
		if s.connSem != nil {
			select {
			case s.connSem <- struct{}{}:
			case <-s.done:
				return
			}
		}
		c, err := l.ln.Accept()
		if err != nil {
			if s.connSem != nil {
				<-s.connSem
			}
			if errors.Is(err, net.ErrClosed) || s.closing.Load() {
				return
			}
			// EMFILE and friends: nginx logs "accept() failed" and retries.
			s.Runtime().errorLog.Log(LevelCrit, 0, fmt.Sprintf("accept() failed (%v)", err))
			if backoff == 0 {
				backoff = 5 * time.Millisecond
			} else if backoff < time.Second {
				backoff *= 2
			}
			select {
			case <-time.After(backoff):
			case <-s.done:
				return
			}
			continue
		}
		backoff = 0
		if s.Runtime().rawSocketIO {
			c = http1.WrapSocket(c)
		}
		cc := s.newClientConn(c, l)
		if cc == nil {
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			cc.serve()
		}()
	}
}

// track registers a connection; it returns false when the server is
// shutting down (the connection is then closed by the caller).
func (s *Server) track(c *clientConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c *clientConn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	if s.connSem != nil && !c.pipe {
		<-s.connSem
	}
}

// Reload builds nothing itself: it swaps in rt, a runtime the caller loaded.
// New listeners are bound first; when binding fails (a privileged port after
// dropping root, an address in use) the old runtime keeps serving and the
// error says why. Listeners the new runtime no longer names are closed.
func (s *Server) Reload(rt *Runtime) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if s.closing.Load() {
		return errors.New("server is shutting down")
	}
	if err := s.bind(rt); err != nil {
		return err
	}
	rt.acquire()
	old := s.rt.Swap(rt)
	s.mu.Lock()
	want := make(map[string]bool, len(rt.sockets))
	for _, a := range rt.sockets {
		want[listenKey(a.network, a.addr)] = true
	}
	for key, l := range s.listeners {
		if !want[key] {
			_ = l.ln.Close()
			delete(s.listeners, key)
		}
	}
	for _, l := range s.listeners {
		if !l.started(old) {
			s.startAccept(l)
		}
	}
	// Idle keep-alive clients would otherwise hold on to the old
	// configuration's connection settings; nginx's old workers close them.
	// Connections still waiting for their first request stay.
	for c := range s.conns {
		c.closeIfIdleKeepAlive()
	}
	s.mu.Unlock()
	old.release()
	return nil
}

// started reports whether the listener already had an accept loop under the
// previous runtime (it is then still running).
func (l *boundListener) started(old *Runtime) bool {
	for _, a := range old.sockets {
		if listenKey(a.network, a.addr) == l.key {
			return true
		}
	}
	return false
}

// Shutdown stops accepting, closes idle connections at once and waits for
// in-flight requests to finish (nginx's QUIT), or until ctx ends, then closes
// what is left.
func (s *Server) Shutdown(ctx context.Context) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	s.beginClose()
	s.closeListeners(nil)
	rt := s.rt.Load()
	if rt != nil {
		rt.shutdownPools()
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		for c := range s.conns {
			c.closeIfIdle()
		}
		n := len(s.conns)
		s.mu.Unlock()
		if n == 0 {
			break
		}
		select {
		case <-ctx.Done():
			s.closeConns()
			s.wg.Wait()
			s.releaseRuntime()
			return ctx.Err()
		case <-tick.C:
		}
	}
	s.wg.Wait()
	s.releaseRuntime()
	return nil
}

// Close stops at once (nginx's TERM): listeners and every client connection
// are closed, in-flight requests are cut.
func (s *Server) Close() error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	s.beginClose()
	s.closeListeners(nil)
	s.closeConns()
	s.wg.Wait()
	s.releaseRuntime()
	return nil
}

func (s *Server) beginClose() {
	s.mu.Lock()
	s.closing.Store(true)
	s.mu.Unlock()
	s.doneOnce.Do(func() { close(s.done) })
}

func (s *Server) releaseRuntime() {
	s.idle.stop() // every parked connection has been woken and has ended
	if rt := s.rt.Swap(nil); rt != nil {
		rt.release()
	}
}

func (s *Server) closeListeners(keep map[string]bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for key, l := range s.listeners {
		if keep[key] {
			continue
		}
		_ = l.ln.Close()
		delete(s.listeners, key)
	}
}

func (s *Server) closeConns() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.abort()
	}
}
