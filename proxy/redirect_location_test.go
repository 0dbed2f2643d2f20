package proxy

import (
	"strings"
	"testing"
)

// TestRedirectLocation: how a relative Location becomes absolute, as
// ngx_http_header_filter writes it — absolute_redirect,
// server_name_in_redirect, port_in_redirect, and the local address for a
// request without Host.
func TestRedirectLocation(t *testing.T) {
	tp := startProxy(t, `
server {
    listen 127.0.0.1:0;
    server_name primary.test alias.test;
    location /plain { return 302 /target; }
    location /relative { absolute_redirect off; return 302 /target; }
    location /by-name { server_name_in_redirect on; return 302 /target; }
    location /no-port { port_in_redirect off; return 302 /target; }
}`, nil)
	port := tp.addr[strings.LastIndexByte(tp.addr, ':'):]
	cases := []struct{ req, want string }{
		{"GET /plain HTTP/1.1\r\nHost: alias.test\r\n", "http://alias.test" + port + "/target"},
		{"GET /plain HTTP/1.0\r\n", "http://127.0.0.1" + port + "/target"},
		{"GET /relative HTTP/1.1\r\nHost: alias.test\r\n", "/target"},
		{"GET /by-name HTTP/1.1\r\nHost: alias.test\r\n", "http://primary.test" + port + "/target"},
		{"GET /no-port HTTP/1.1\r\nHost: alias.test\r\n", "http://alias.test/target"},
	}
	for _, c := range cases {
		t.Run(strings.Fields(c.req)[1]+" "+strings.Fields(c.req)[2], func(t *testing.T) {
			r := tp.roundTrip(c.req + "Connection: close\r\n\r\n")
			if got := r.Header.Get("Location"); r.Status != 302 || got != c.want {
				t.Errorf("%d %q, want 302 %q", r.Status, got, c.want)
			}
		})
	}
}
