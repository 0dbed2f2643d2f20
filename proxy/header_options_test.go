package proxy

import "testing"

// TestIgnoreInvalidHeaders: a request header whose name nginx calls invalid
// ("X.Dot", with a character outside letters, digits and "-") is dropped by
// default and passed upstream with "ignore_invalid_headers off", the
// default server's setting deciding, as nginx.
func TestIgnoreInvalidHeaders(t *testing.T) {
	be := startFakeBackend(t, func(r *fakeRequest) fakeReply {
		v, _ := r.get("X.Dot")
		return fakeReply{Status: 200, Body: "v=" + v}
	})
	for _, c := range []struct{ setting, want string }{
		{"", "v="},
		{"ignore_invalid_headers on;", "v="},
		{"ignore_invalid_headers off;", "v=1"},
		{"ignore_invalid_headers OFF;", "v=1"}, // a flag slot: case-insensitive
	} {
		t.Run(c.setting, func(t *testing.T) {
			tp := startProxy(t, `
server {
    listen 127.0.0.1:0;
    `+c.setting+`
    location / { proxy_pass http://`+be.Addr()+`; }
}`, nil)
			r := tp.roundTrip("GET / HTTP/1.1\r\nHost: t\r\nX.Dot: 1\r\nConnection: close\r\n\r\n")
			if r.Status != 200 || r.Body != c.want {
				t.Errorf("%d %q, want 200 %q", r.Status, r.Body, c.want)
			}
		})
	}
}
