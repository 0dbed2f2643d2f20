//go:build linux

package rawsys

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// socketPair returns the two ends of a loopback TCP connection and the
// descriptor of the server end (kept open by the returned conns).
func socketPair(t *testing.T) (client, server net.Conn, fd uintptr) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	rc, err := server.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	_ = rc.Control(func(f uintptr) { fd = f })
	return client, server, fd
}

// eventually polls cond for up to a second: loopback delivery is
// asynchronous only in the sense of scheduling.
func eventually(cond func() bool) bool {
	for end := time.Now().Add(time.Second); time.Now().Before(end); time.Sleep(time.Millisecond) {
		if cond() {
			return true
		}
	}
	return false
}

func TestPeekAndRecv(t *testing.T) {
	client, _, fd := socketPair(t)
	if n, e := Peek(fd); e != syscall.EAGAIN {
		t.Fatalf("Peek on an empty socket = %d, %v; want EAGAIN", n, e)
	}
	if _, err := client.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	if !eventually(func() bool { n, e := Peek(fd); return n == 1 && e == 0 }) {
		t.Fatal("Peek never saw the written byte")
	}
	buf := make([]byte, 8)
	n, e := Recv(fd, buf, 0)
	if e != 0 || string(buf[:n]) != "hi" {
		t.Fatalf("Recv = %q, %v; want \"hi\" (the peek must not consume)", buf[:n], e)
	}
	client.Close()
	if !eventually(func() bool { n, e := Peek(fd); return n == 0 && e == 0 }) {
		t.Fatal("Peek never saw the end of the stream")
	}
}

func TestEpollWaitNow(t *testing.T) {
	client, _, fd := socketPair(t)
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(epfd)
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: 42}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, int(fd), &ev); err != nil {
		t.Fatal(err)
	}
	events := make([]unix.EpollEvent, 4)
	if n, err := EpollWaitNow(uintptr(epfd), events); n != 0 || err != nil {
		t.Fatalf("EpollWaitNow with nothing ready = %d, %v", n, err)
	}
	if n, err := EpollWaitNow(uintptr(epfd), nil); n != 0 || err != nil {
		t.Fatalf("EpollWaitNow with no room = %d, %v", n, err)
	}
	if _, err := client.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	var n int
	if !eventually(func() bool { n, err = EpollWaitNow(uintptr(epfd), events); return n > 0 || err != nil }) {
		t.Fatal("EpollWaitNow never reported the readable socket")
	}
	if err != nil || n != 1 || events[0].Fd != 42 || events[0].Events&unix.EPOLLIN == 0 {
		t.Fatalf("EpollWaitNow = %d, %v, %+v", n, err, events[0])
	}
	if _, err := EpollWaitNow(^uintptr(0)>>1, events); err == nil {
		t.Fatal("EpollWaitNow on a bad descriptor: no error")
	}
}

// TestAppendIovecs: empty buffers are skipped and the list stops at max.
func TestAppendIovecs(t *testing.T) {
	a, b, c := []byte("ab"), []byte("cde"), []byte("f")
	for _, tc := range []struct {
		bufs [][]byte
		max  int
		want []int // lengths
	}{
		{[][]byte{a, nil, b, {}, c}, 8, []int{2, 3, 1}},
		{[][]byte{a, b, c}, 2, []int{2, 3}},
		{[][]byte{nil, {}}, 4, nil},
	} {
		iov := AppendIovecs(nil, tc.bufs, tc.max)
		if len(iov) != len(tc.want) {
			t.Fatalf("%d iovecs, want %d", len(iov), len(tc.want))
		}
		for i, v := range iov {
			if int(v.Len) != tc.want[i] {
				t.Errorf("iovec %d has length %d, want %d", i, v.Len, tc.want[i])
			}
		}
	}
}

// TestEpoll: Wait parks until a registered socket is readable and reports
// its event; Close ends a Wait in progress with ErrEpollClosed.
func TestEpoll(t *testing.T) {
	client, _, fd := socketPair(t)
	ep, err := NewEpoll("test-epoll", 4)
	if err != nil {
		t.Fatal(err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLONESHOT, Fd: 7}
	var ctlErr error
	if err := ep.Control(func(epfd uintptr) { ctlErr = unix.EpollCtl(int(epfd), unix.EPOLL_CTL_ADD, int(fd), &ev) }); err != nil || ctlErr != nil {
		t.Fatalf("Control: %v, epoll_ctl: %v", err, ctlErr)
	}
	type result struct {
		events []unix.EpollEvent
		err    error
	}
	waited := make(chan result, 1)
	wait := func() {
		events, err := ep.Wait()
		waited <- result{append([]unix.EpollEvent(nil), events...), err}
	}
	go wait()
	select {
	case r := <-waited:
		t.Fatalf("Wait returned with nothing ready: %+v", r)
	case <-time.After(20 * time.Millisecond):
	}
	if _, err := client.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-waited:
		if r.err != nil || len(r.events) != 1 || r.events[0].Fd != 7 {
			t.Fatalf("Wait = %+v, %v; want the socket's event", r.events, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Wait never reported the readable socket")
	}
	go wait() // the one-shot registration is spent: this Wait parks
	time.Sleep(10 * time.Millisecond)
	if err := ep.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-waited:
		if !errors.Is(r.err, ErrEpollClosed) {
			t.Fatalf("Wait after Close = %+v, %v; want ErrEpollClosed", r.events, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the Wait")
	}
}
