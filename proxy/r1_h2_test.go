package proxy

import (
	"strings"
	"testing"

	"sliceproxy/nginxconf"
	"sliceproxy/proxy/http1"
	"sliceproxy/vars"
)

// TestMarkHTTP2: the HTTP/1.1 form the HTTP/2 adapter writes for a stream,
// once parsed and marked, gives nginx's answers for an HTTP/2 request:
// $server_protocol "HTTP/2.0", $request "METHOD :path HTTP/2.0", $http2
// "h2" (nginx 1.22 over `listen ... ssl http2`, see TestDiffHTTP2 in
// proxy/e2e). Everything else the loop reads stays as parsed.
func TestMarkHTTP2(t *testing.T) {
	tests := []struct {
		name string
		// head is what h2Handler writes into the pipe.
		head        string
		wantRequest string
	}{
		{
			name:        "get with query",
			head:        "GET /r?x=1 HTTP/1.1\r\nHost: h2.example\r\nConnection: close\r\n\r\n",
			wantRequest: "GET /r?x=1 HTTP/2.0",
		},
		{
			name:        "head",
			head:        "HEAD / HTTP/1.1\r\nHost: h2.example\r\nConnection: close\r\n\r\n",
			wantRequest: "HEAD / HTTP/2.0",
		},
		{
			name:        "post with body",
			head:        "POST /proxy/p HTTP/1.1\r\nHost: h2.example\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc",
			wantRequest: "POST /proxy/p HTTP/2.0",
		},
		{
			name:        "encoded path stays as sent",
			head:        "GET /a%2Fb//c/../d?q HTTP/1.1\r\nHost: h2.example\r\nConnection: close\r\n\r\n",
			wantRequest: "GET /a%2Fb//c/../d?q HTTP/2.0",
		},
	}
	reg := vars.NewRegistry(vars.RegistryOptions{Hostname: "test"})
	tmpl, err := reg.Compile("$server_protocol|$request|$http2|$request_uri|$uri|$host", nginxconf.Pos{File: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clientConn{pipe: true}
			rd := http1.NewReader(strings.NewReader(tt.head), http1.DefaultOptions())
			if err := rd.ReadRequest(&c.req); err != nil {
				t.Fatalf("ReadRequest: %v", err)
			}
			parsed := c.req
			before := tmplFor(t, reg, tmpl, &parsed)
			c.markHTTP2()

			got := tmplFor(t, reg, tmpl, &c.req)
			b := strings.Split(before, "|")
			want := strings.Join(append([]string{http2Proto, tt.wantRequest, "h2"}, b[3:]...), "|")
			if got != want {
				t.Errorf("after markHTTP2:\n got %q\nwant %q", got, want)
			}
			if c.req.ProtoMajor != 2 || c.req.ProtoMinor != 0 {
				t.Errorf("version %d.%d, want 2.0", c.req.ProtoMajor, c.req.ProtoMinor)
			}
			if len(c.req.RequestLine) != len(parsed.RequestLine) {
				// $request_length counts the line as read.
				t.Errorf("request line length %d, parsed %d", len(c.req.RequestLine), len(parsed.RequestLine))
			}
			if !strings.HasSuffix(string(parsed.RequestLine), " HTTP/1.1") || string(parsed.Proto) != "HTTP/1.1" {
				t.Errorf("markHTTP2 wrote into the reader's buffer: parsed line now %q, proto %q", parsed.RequestLine, parsed.Proto)
			}
			if c.req.ContentLength != parsed.ContentLength || c.req.KeepAlive != parsed.KeepAlive ||
				string(c.req.Target) != string(parsed.Target) || string(c.req.HostHeader) != string(parsed.HostHeader) {
				t.Errorf("markHTTP2 changed more than the version: %+v", c.req)
			}
		})
	}
}

// tmplFor evaluates tmpl for client request req.
func tmplFor(t *testing.T, reg *vars.Registry, tmpl *vars.Template, req *http1.Request) string {
	t.Helper()
	vr := reg.NewRequest()
	if err := vr.SetClient(req); err != nil {
		t.Fatalf("SetClient: %v", err)
	}
	return tmpl.String(vr)
}
