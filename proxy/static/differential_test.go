package static

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"sliceproxy/internal/testenv"
	"sliceproxy/proxy/accesslog"
)

// diffHeaders are the headers compared with nginx's. Server, Date and
// Connection belong to the core; Content-Type and Content-Length of error
// pages too (the core renders those bodies).
var diffHeaders = []string{"Content-Type", "Content-Length", "Content-Range", "ETag", "Last-Modified",
	"Expires", "Cache-Control", "Location", "Accept-Ranges", "X-A", "X-B", "X-Outer", "X-Inner"}

// TestDifferential runs the fixture configuration in real nginx and through
// Resolve, sends both the same requests and compares status, the selected
// headers and the body.
func TestDifferential(t *testing.T) {
	n := testenv.StartNginx(t, testenv.NginxConfig{
		HTTP:  fixtureConf,
		Files: map[string]string{"mime.types": defaultMimeTypes},
	})
	writeFixture(t, n.Dir)
	conf := strings.ReplaceAll(fixtureConf, "{{DIR}}", n.Dir)
	conf = strings.ReplaceAll(conf, "{{PORT}}", "1")
	s := newSite(t, n.Dir, conf, nil)

	for _, tt := range resolveCases {
		t.Run(tt.name, func(t *testing.T) {
			want := nginxDo(t, n.Addr, tt.method, tt.target, tt.req...)
			got := s.do(t, tt.method, tt.target, tt.req...)
			if got.status != want.StatusCode {
				t.Fatalf("status %d, nginx %d\n%s", got.status, want.StatusCode, got)
			}
			errorPage := got.status >= 300 && got.status != 304
			boundary := ""
			if ct := want.Header.Get("Content-Type"); strings.HasPrefix(ct, "multipart/byteranges; boundary=") {
				boundary = strings.TrimPrefix(ct, "multipart/byteranges; boundary=")
			}
			for _, name := range diffHeaders {
				if errorPage && (name == "Content-Type" || name == "Content-Length") {
					continue
				}
				g, w := got.get(name), strings.Join(want.Header.Values(name), ", ")
				if boundary != "" && name == "Content-Type" {
					g = multipartBoundary.ReplaceAllString(g, "boundary=B")
					w = multipartBoundary.ReplaceAllString(w, "boundary=B")
				}
				if name == "Expires" && closeHTTPTimes(g, w) {
					continue
				}
				if g != w {
					t.Errorf("%s: %q, nginx %q", name, g, w)
				}
			}
			if errorPage || tt.method == "HEAD" {
				return
			}
			wantBody, err := io.ReadAll(want.Body)
			if err != nil {
				t.Fatal(err)
			}
			gotBody := got.body
			if boundary != "" {
				wantBody = bytes.ReplaceAll(wantBody, []byte(boundary), []byte("B"))
				gotBody = bytes.ReplaceAll(gotBody, []byte(got.get("Content-Type")[len("multipart/byteranges; boundary="):]), []byte("B"))
			}
			if !bytes.Equal(gotBody, wantBody) {
				t.Errorf("body %q, nginx %q", gotBody, wantBody)
			}
		})
	}
}

var multipartBoundary = regexp.MustCompile(`boundary=\d+`)

// closeHTTPTimes accepts two Expires values a second or two apart: nginx's
// clock and ours read "now" at slightly different moments.
func closeHTTPTimes(a, b string) bool {
	ta, oka := ParseHTTPTime([]byte(a))
	tb, okb := ParseHTTPTime([]byte(b))
	return oka && okb && ta-tb <= 2 && tb-ta <= 2
}

// nginxDo sends one raw HTTP/1.1 request, so that nothing is added or
// normalised on the way (net/http's client would touch the target).
func nginxDo(t *testing.T, addr, method, target string, hdr ...string) *http.Response {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n", method, target)
	for i := 0; i+1 < len(hdr); i += 2 {
		fmt.Fprintf(&b, "%s: %s\r\n", hdr[i], hdr[i+1])
	}
	if method == "POST" {
		b.WriteString("Content-Length: 0\r\n")
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(c, b.String()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestDifferentialErrorLog compares the error-log lines nginx writes for
// failed static requests with Result.ErrorMessage laid out by accesslog.
func TestDifferentialErrorLog(t *testing.T) {
	n := testenv.StartNginx(t, testenv.NginxConfig{
		HTTP:  fixtureConf,
		Files: map[string]string{"mime.types": defaultMimeTypes},
	})
	writeFixture(t, n.Dir)
	conf := strings.ReplaceAll(fixtureConf, "{{DIR}}", n.Dir)
	conf = strings.ReplaceAll(conf, "{{PORT}}", "1")
	s := newSite(t, n.Dir, conf, nil)

	var ours bytes.Buffer
	el := accesslog.NewErrorLogWriter(&ours, accesslog.LevelInfo, accesslog.ErrorLogOptions{})
	targets := []string{"/nope.txt", "/noindex/", "/nodir/", "/a.txt/", "/i/nope", "/nosym/l.txt", "/viaroot/v.txt"}
	for _, target := range targets {
		resp := nginxDo(t, n.Addr, "GET", target)
		resp.Body.Close()
		req := s.reg.NewRequest()
		req.URI = []byte(target)
		var res Result
		s.find(req.URI, req).Resolve(req, &res)
		level, ok := accesslog.ParseLevel(res.LogLevel)
		if !ok {
			t.Fatalf("%s: no log level (%q) for status %d", target, res.LogLevel, res.Status)
		}
		el.Request(level, &accesslog.RequestContext{Conn: 1, Client: "127.0.0.1", HasRequest: true,
			Request: "GET " + target + " HTTP/1.1", Host: "localhost"}).Msg(res.ErrorMessage())
		res.Close()
	}
	// Drop "time [level] pid#tid: *conn " and keep level + the rest.
	strip := func(line string) string {
		lvl := line[strings.IndexByte(line, '[') : strings.IndexByte(line, ']')+1]
		rest := line[strings.Index(line, ": *")+3:]
		return lvl + " " + rest[strings.IndexByte(rest, ' ')+1:]
	}
	var want []string
	deadline := time.Now().Add(5 * time.Second)
	for len(want) < len(targets) && time.Now().Before(deadline) {
		want = want[:0]
		for _, l := range n.ErrorLog() {
			if strings.Contains(l, "[error]") || strings.Contains(l, "[crit]") {
				want = append(want, strip(l))
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	got := strings.Split(strings.TrimSpace(ours.String()), "\n")
	if len(got) != len(want) {
		t.Fatalf("ours %d lines, nginx %d:\n%s\n--\n%s", len(got), len(want), strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i := range got {
		if g := strip(got[i]); g != want[i] {
			t.Errorf("line %d:\n ours  %s\n nginx %s", i+1, g, want[i])
		}
	}
}
