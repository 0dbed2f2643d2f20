package proxy

import (
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"sliceproxy/internal/testenv"
	"sliceproxy/nginxconf"
)

func TestParseListen(t *testing.T) {
	cases := []struct {
		in   string
		want listenSpec
		err  string
	}{
		{"listen 8080;", listenSpec{Network: "tcp", Addr: "0.0.0.0:8080"}, ""},
		{"listen *:80 default_server;", listenSpec{Network: "tcp", Addr: "0.0.0.0:80", DefaultServer: true}, ""},
		{"listen 127.0.0.1:8443 ssl http2 backlog=511 reuseport so_keepalive=on;",
			listenSpec{Network: "tcp", Addr: "127.0.0.1:8443", SSL: true, HTTP2: true, Backlog: 511, ReusePort: true, KeepAlive: true}, ""},
		{"listen [::]:80 ipv6only=on;", listenSpec{Network: "tcp", Addr: "[::]:80", IPv6Only: true}, ""},
		{"listen [::1];", listenSpec{Network: "tcp", Addr: "[::1]:80"}, ""},
		{"listen unix:/run/x.sock;", listenSpec{Network: "unix", Addr: "/run/x.sock"}, ""},
		{"listen 127.0.0.1;", listenSpec{Network: "tcp", Addr: "127.0.0.1:80"}, ""},
		{"listen 70000;", listenSpec{}, "invalid port"},
		{"listen 80 bogus;", listenSpec{}, "invalid parameter \"bogus\""},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			cfg, diags := nginxconf.ParseBytes("t.conf", []byte(c.in), nginxconf.Options{})
			if len(diags) > 0 {
				t.Fatal(diags)
			}
			got, err := parseListen(cfg.Main.Directives[0])
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.Pos = nginxconf.Pos{}
			if got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

// TestListenWildcardAndSpecific: nginx binds *:port once and picks the
// servers of a more specific address by the connection's local address.
// Checked on the loaded runtime (tests bind loopback addresses only).
func TestListenWildcardAndSpecific(t *testing.T) {
	cfg, diags := nginxconf.ParseBytes("t.conf", []byte(`http {
server { listen 8080; server_name any; }
server { listen 127.0.0.2:8080; server_name any; }
server { listen 127.0.0.3:9090; }
}`), nginxconf.Options{})
	failOnErrors(t, diags, "")
	rt, diags := Load(cfg, LoadOptions{NoOpenLogs: true})
	failOnErrors(t, diags, "")
	defer rt.Close()
	var addrs []string
	for _, s := range rt.sockets {
		addrs = append(addrs, s.addr)
	}
	if strings.Join(addrs, " ") != "0.0.0.0:8080 127.0.0.3:9090" {
		t.Fatalf("sockets %v", addrs)
	}
	w := rt.socket(listenKey("tcp", "0.0.0.0:8080"), netip.MustParseAddrPort("127.0.0.2:8080"))
	if w == nil || w.servers.Default() != 1 {
		t.Errorf("a connection to 127.0.0.2:8080 must see the second server only")
	}
	w = rt.socket(listenKey("tcp", "0.0.0.0:8080"), netip.MustParseAddrPort("127.0.0.1:8080"))
	if w == nil || w.servers.Default() != 0 {
		t.Errorf("a connection to 127.0.0.1:8080 must see the wildcard's server")
	}
}

// TestListenUnixAndLoopback serves a unix socket and a loopback address.
func TestListenUnixAndLoopback(t *testing.T) {
	port := testenv.FreePort(t)
	sock := filepath.Join(t.TempDir(), "s.sock")
	startProxy(t, fmt.Sprintf(`
server { listen 127.0.0.1:%[1]d; location / { return 200 "tcp"; } }
server { listen unix:%[2]s; location / { return 200 "unix"; } }
`, port, sock), nil)
	get := func(network, addr string) string {
		c, err := net.Dial(network, addr)
		if err != nil {
			t.Fatal(err)
		}
		tc := &testClient{t: t, c: c, br: newTestReader(c)}
		tc.send("GET / HTTP/1.1\r\nHost: any\r\nConnection: close\r\n\r\n")
		return tc.read("GET").Body
	}
	if got := get("tcp", fmt.Sprintf("127.0.0.1:%d", port)); got != "tcp" {
		t.Errorf("tcp: %q", got)
	}
	if got := get("unix", sock); got != "unix" {
		t.Errorf("unix: %q", got)
	}
}
