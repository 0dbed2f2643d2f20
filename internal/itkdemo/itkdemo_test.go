package itkdemo

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

func start(t *testing.T, opt Options) (*Backend, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := New(opt)
	done := make(chan struct{})
	go func() { _ = b.Serve(l); close(done) }()
	t.Cleanup(func() { b.Close(); <-done })
	return b, l.Addr().String()
}

// exchange sends requests for hosts on one connection and reports, per
// request, the status or -1 when the connection ended without a response.
func exchange(t *testing.T, addr string, hosts ...string) []int {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	var out []int
	for _, h := range hosts {
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", h)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			out = append(out, -1)
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		out = append(out, resp.StatusCode)
	}
	return out
}

func TestBehavesLikeMpmITK(t *testing.T) {
	tests := []struct {
		name  string
		hosts []string
		want  []int
	}{
		{"same vhost kept alive", []string{"a.test", "a.test", "A.Test:8081"}, []int{200, 200, 200}},
		{"unknown host is the default vhost", []string{"a.test", "unknown.test"}, []int{200, 200}},
		{"other vhost gets no response", []string{"a.test", "b.test"}, []int{200, -1}},
		{"nothing after the refusal", []string{"b.test", "b.test", "c.test", "b.test"}, []int{200, 200, -1, -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, addr := start(t, Options{})
			got := exchange(t, addr, tc.hosts...)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("statuses %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMaxRequestsClosesConnection(t *testing.T) {
	b, addr := start(t, Options{MaxRequests: 3})
	got := exchange(t, addr, "a.test", "a.test", "a.test", "a.test")
	if fmt.Sprint(got) != "[200 200 200 -1]" {
		t.Fatalf("statuses %v, want [200 200 200 -1]", got)
	}
	if s := b.Stats(); s.Connections != 1 || s.MaxReqOnConn != 3 {
		t.Fatalf("stats %+v", s)
	}
}

func TestIdleTimeoutCloses(t *testing.T) {
	_, addr := start(t, Options{IdleTimeout: 100 * time.Millisecond})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	// The server closes the idle connection: the next read sees EOF.
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after idle timeout: %v, want EOF", err)
	}
}
