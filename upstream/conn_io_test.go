package upstream

import (
	"bytes"
	"io"
	"runtime"
	"testing"
	"time"
)

// TestConnIO: a pooled connection reads, writes and writevs the same bytes
// with and without RawSocketIO, and Writev never changes the caller's list.
func TestConnIO(t *testing.T) {
	for _, raw := range []bool{false, true} {
		name := "net.Conn"
		if raw {
			name = "RawSocketIO"
		}
		t.Run(name, func(t *testing.T) {
			srv, c := dialTestConn(t, raw)
			if got, want := c.rs != nil, raw && runtime.GOOS == "linux"; got != want {
				t.Fatalf("raw socket in use = %v, want %v", got, want)
			}
			server := srv.accept(t)
			head, body := []byte("POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\n"), []byte("data")
			bufs := [][]byte{head, body}
			if n, err := c.Writev(bufs); err != nil || n != int64(len(head)+len(body)) {
				t.Fatalf("Writev = %d, %v", n, err)
			}
			if len(bufs[0]) != len(head) || len(bufs[1]) != len(body) {
				t.Fatal("Writev changed the caller's buffers")
			}
			if _, err := c.Write([]byte("!")); err != nil {
				t.Fatal(err)
			}
			want := append(append(append([]byte(nil), head...), body...), '!')
			got := make([]byte, len(want))
			_ = server.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.ReadFull(server, got); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("upstream read %q, %v", got, err)
			}
			if _, err := server.Write([]byte("HTTP/1.1 204 No Content\r\n\r\n")); err != nil {
				t.Fatal(err)
			}
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			resp := make([]byte, 64)
			n, err := io.ReadAtLeast(c, resp, len("HTTP/1.1 204"))
			if err != nil || !bytes.HasPrefix(resp[:n], []byte("HTTP/1.1 204")) {
				t.Fatalf("response %q, %v", resp[:n], err)
			}
			server.Close()
			if _, err := io.ReadAll(c); err != nil {
				t.Fatalf("reading to the upstream's close: %v", err)
			}
		})
	}
}

func TestConnWritevAllocatesNothing(t *testing.T) {
	for _, raw := range []bool{false, true} {
		srv, c := dialTestConn(t, raw)
		server := srv.accept(t)
		bufs := [][]byte{[]byte("head"), []byte("body")}
		sink := make([]byte, 8)
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := c.Writev(bufs); err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadFull(server, sink); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("RawSocketIO=%v: Writev allocates %v times", raw, allocs)
		}
	}
}
