package proxy

import (
	"bufio"
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"sliceproxy/internal/testenv"

	"golang.org/x/net/http2"
)

// TestTLSServerNameIndication: two servers on one ssl listen, each with its
// certificate; SNI picks the certificate and the Host the server.
func TestTLSServerNameIndication(t *testing.T) {
	ca, ka := testenv.SelfSigned(t, "a.secure.test")
	cb, kb := testenv.SelfSigned(t, "b.secure.test")
	tp := startProxy(t, `
server {
    listen 127.0.0.1:0 ssl;
    server_name a.secure.test;
    ssl_certificate a.crt;
    ssl_certificate_key a.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    location / { return 200 "server a"; }
}
server {
    listen 127.0.0.1:0 ssl;
    server_name b.secure.test;
    ssl_certificate b.crt;
    ssl_certificate_key b.key;
    location / { return 200 "server b"; }
}`, map[string]string{"a.crt": ca, "a.key": ka, "b.crt": cb, "b.key": kb})
	for _, name := range []string{"a.secure.test", "b.secure.test"} {
		conn, err := tls.Dial("tcp", tp.addr, &tls.Config{ServerName: name, InsecureSkipVerify: true})
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, tp.errorLog())
		}
		if got := conn.ConnectionState().PeerCertificates[0].Subject.CommonName; got != name {
			t.Errorf("SNI %s got the certificate of %s", name, got)
		}
		_, _ = io.WriteString(conn, "GET / HTTP/1.1\r\nHost: "+name+"\r\nConnection: close\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if want := "server " + name[:1]; string(body) != want {
			t.Errorf("%s: body %q, want %q", name, body, want)
		}
		conn.Close()
	}
}

// TestHTTP2Clients: an ssl http2 listen negotiates h2 and serves streams
// through the same handler (here a proxied location and a return).
func TestHTTP2Clients(t *testing.T) {
	be := startFakeBackend(t, func(r *fakeRequest) fakeReply {
		return fakeReply{Status: 200, Body: "proxied " + r.Method + " " + r.URI + " " + string(r.Body)}
	})
	c, k := testenv.SelfSigned(t, "h2.test")
	tp := startProxy(t, `
server {
    listen 127.0.0.1:0 ssl http2;
    server_name h2.test;
    ssl_certificate h2.crt;
    ssl_certificate_key h2.key;
    location /p/ { proxy_pass http://`+be.Addr()+`; }
    location = /r { return 201 "made"; }
}`, map[string]string{"h2.crt": c, "h2.key": k})
	tr := &http2.Transport{TLSClientConfig: &tls.Config{ServerName: "h2.test", InsecureSkipVerify: true}}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	resp, err := client.Get("https://" + tp.addr + "/r")
	if err != nil {
		t.Fatalf("%v\n%s", err, tp.errorLog())
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.StatusCode != 201 || string(body) != "made" {
		t.Errorf("return over h2: proto %d status %d body %q", resp.ProtoMajor, resp.StatusCode, body)
	}
	resp, err = client.Post("https://"+tp.addr+"/p/x?y=1", "text/plain", strings.NewReader("data"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "proxied POST /p/x?y=1 data" {
		t.Errorf("proxied over h2: %d %q", resp.StatusCode, body)
	}
}
