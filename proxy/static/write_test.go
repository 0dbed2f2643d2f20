package static

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteBodyTCP writes whole files and ranges to a real TCP connection,
// the path on which io.Copy hands the file to sendfile.
func TestWriteBodyTCP(t *testing.T) {
	s, _ := fixtureSite(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	tests := []struct {
		target string
		hdr    []string
		want   string
	}{
		{"/a.txt", nil, fixtureA},
		{"/a.txt", []string{"Range", "bytes=6-10"}, "world"},
		{"/empty.txt", nil, ""},
	}
	for _, tt := range tests {
		received := make(chan string, 1)
		go func() {
			c, err := ln.Accept()
			if err != nil {
				received <- "accept: " + err.Error()
				return
			}
			defer c.Close()
			b, _ := io.ReadAll(c)
			received <- string(b)
		}()
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		req := s.reg.NewRequest()
		req.URI = []byte(tt.target)
		res := &Result{}
		req.Client = (&testClient{hdr: tt.hdr}).request(tt.target)
		s.server.Resolve(req, res)
		if res.Kind != KindFile {
			t.Fatalf("%s: kind %d status %d", tt.target, res.Kind, res.Status)
		}
		n, err := res.WriteBody(conn.(*net.TCPConn))
		res.Close()
		conn.Close()
		got := <-received
		if err != nil || n != int64(len(tt.want)) || got != tt.want {
			t.Errorf("%s %v: wrote %d, %v; received %q, want %q", tt.target, tt.hdr, n, err, got, tt.want)
		}
	}
}

// TestForbidden needs a user that file permissions apply to.
func TestForbidden(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: permission bits do not deny root, so EACCES cannot be produced")
	}
	s, dir := fixtureSite(t, nil)
	p := filepath.Join(dir, "html", "secret.txt")
	if err := os.WriteFile(p, []byte("x"), 0o000); err != nil {
		t.Fatal(err)
	}
	if r := s.do(t, "GET", "/secret.txt"); r.status != 403 {
		t.Errorf("status %d, want 403", r.status)
	}
}
