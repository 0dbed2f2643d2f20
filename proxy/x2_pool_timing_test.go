package proxy

import (
	"net"
	"testing"
)

// TestX2PoolPutBeforeClientHasResponse: a client that sends its next
// request the moment it has read a whole response finds the upstream
// connection back in the pool (nginx frees the keepalive peer before the
// last byte leaves). keepalive 1, one upstream connection for every kind of
// response framing; a second connection means a Put came too late.
func TestX2PoolPutBeforeClientHasResponse(t *testing.T) {
	replies := map[string]fakeReply{
		"/length":  {Raw: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"},
		"/empty":   {Raw: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"},
		"/304":     {Raw: "HTTP/1.1 304 Not Modified\r\n\r\n"},
		"/chunked": {Raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"},
	}
	be := startFakeBackend(t, func(r *fakeRequest) fakeReply { return replies[r.URI] })
	tp := startProxy(t, `
upstream ka {
    server `+be.Addr()+`;
    keepalive 1;
}
server {
    listen 127.0.0.1:0;
    location / {
        proxy_pass http://ka;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
    }
}`, nil)
	for _, uri := range []string{"/length", "/empty", "/304", "/chunked"} {
		for i := 0; i < 200; i++ {
			c := tp.dial()
			c.send("GET " + uri + " HTTP/1.1\r\nHost: k.test\r\nConnection: close\r\n\r\n")
			if r := c.read("GET"); r.Status != 200 && r.Status != 304 {
				t.Fatalf("%s: status %d", uri, r.Status)
			}
			_ = c.c.(*net.TCPConn).Close()
		}
	}
	if n := be.Conns(); n != 1 {
		st := tp.srv.Runtime().upstreams.Get("ka").Pool.Stats()
		t.Errorf("backend saw %d connections, want 1: %+v", n, st.Counters)
		prev := 1
		for i, r := range be.Requests() {
			if r.Conn != prev {
				t.Logf("request %d %s on conn %d", i, r.URI, r.Conn)
				prev = r.Conn
			}
		}
	}
}
