package testenv

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestApacheITKDropsOtherVhost pins down the backend behaviour the whole
// project exists for: on a kept-alive connection that served a.test, a
// request for b.test gets no response at all — only EOF.
func TestApacheITKDropsOtherVhost(t *testing.T) {
	a := StartApacheITK(t, ApacheITKOptions{})
	c, err := net.Dial("tcp", a.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)

	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("first request: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || len(body) != ITKBodySize || body[0] != 'a' {
		t.Fatalf("a.test: status %d, %d bytes %q...\n%s", resp.StatusCode, len(body), body[:min(8, len(body))], strings.Join(a.ErrorLog(), "\n"))
	}

	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: b.test\r\n\r\n")
	rest, err := io.ReadAll(br)
	if err != nil {
		t.Fatalf("reading after the cross-vhost request: %v", err)
	}
	if len(rest) != 0 {
		t.Fatalf("expected EOF and no bytes for b.test on an a.test connection, got %q", rest)
	}
	// The access log shows one connection and one request; the error log the itk close.
	deadline := time.Now().Add(3 * time.Second)
	for a.ITKCloses() == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := a.ITKCloses(); n != 1 {
		t.Errorf("itk closes = %d, want 1; error log:\n%s", n, strings.Join(a.ErrorLog(), "\n"))
	}
	if got := a.NewConnections(); got["a.test"] != 1 || len(got) != 1 {
		t.Errorf("new connections per vhost = %v, want map[a.test:1]", got)
	}
}

func TestNginxStarts(t *testing.T) {
	n := StartNginx(t, NginxConfig{HTTP: `server { listen 127.0.0.1:{{PORT}}; location / { return 200 "hello $host"; } }`})
	resp, err := http.Get("http://" + n.Addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "hello 127.0.0.1" {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
}

// TestRefusingAddr: the address refuses connections, and new listeners on :0
// never get its port while it is held — the reuse that let a "dead" upstream
// in a diff test be answered by the test's own backend.
func TestRefusingAddr(t *testing.T) {
	dead := RefusingAddr(t)
	_, deadPort, _ := net.SplitHostPort(dead)
	for i := 0; i < 200; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		ln.Close()
		if port == deadPort {
			t.Fatalf("listener %d got the held port %s", i, port)
		}
	}
	c, err := net.DialTimeout("tcp", dead, 2*time.Second)
	if err == nil {
		c.Close()
		t.Fatalf("dial %s succeeded, want connection refused", dead)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial %s: %v, want connection refused", dead, err)
	}
}
