package route

import (
	"fmt"
	"strings"
	"testing"

	"sliceproxy/nginxconf"
)

// routerFor builds one ServerRouter over every server in src (an http block
// body); a server is the default when its listen directive says
// default_server.
func routerFor(t testing.TB, src string) (*ServerRouter, []nginxconf.Diagnostic) {
	t.Helper()
	var cands []Candidate
	var diags []nginxconf.Diagnostic
	for i, s := range parseHTTP(t, src) {
		names, d := CompileServerNames(s.Body(), NameOptions{Hostname: "MyHost.example"})
		diags = append(diags, d...)
		c := Candidate{Server: i, Names: names}
		for _, d := range s.Body() {
			if d.Name == "listen" {
				c.ListenPos = d.Pos
				for _, a := range d.Args[1:] {
					if a.Value == "default_server" || a.Value == "default" {
						c.Default = true
					}
				}
			}
		}
		cands = append(cands, c)
	}
	r, d := NewServerRouter("0.0.0.0:80", cands)
	return r, append(diags, d...)
}

func TestSelectServer(t *testing.T) {
	r, diags := routerFor(t, `
		server { listen 80; server_name first.example; }
		server { listen 80; server_name www.example.com example.com; }
		server { listen 80; server_name *.example.com; }
		server { listen 80; server_name *.deep.example.com; }
		server { listen 80; server_name .example.org; }
		server { listen 80; server_name www.example.*; }
		server { listen 80; server_name www.example.co.*; }
		server { listen 80 default_server; server_name ""; }
		server { listen 80; server_name ~^(?<user>[a-z]+)\.users\.example\.net$; }
		server { listen 80; server_name ~^img\d+\.; }
		server { listen 80; server_name ~^IMG; }
		server { listen 80; server_name $hostname _; }
		server { listen 80; server_name *.org; }
	`)
	for _, d := range diags {
		t.Errorf("unexpected diagnostic: %v", d.Error())
	}
	tests := []struct {
		host string
		want int
	}{
		{"first.example", 0},
		{"www.example.com", 1},
		{"example.com", 1},
		{"a.example.com", 2},
		{"a.b.example.com", 2},
		{"deep.example.com", 2},
		{"x.deep.example.com", 3},
		{"y.x.deep.example.com", 3},
		{"example.org", 4},
		{"a.example.org", 4},
		{"a.b.example.org", 4},
		{"org", 7},
		{"other.org", 12},
		{"www.example.net", 5},
		{"www.example.co.uk", 6},
		{"www.example.co", 5},
		{"www.example", 7},
		{"", 7},
		{"unknown.test", 7},
		{"alice.users.example.net", 8},
		{"img12.example.net", 9},
		{"imgx.example.net", 10},
		{"myhost.example", 11},
		{"_", 11},
	}
	for _, tt := range tests {
		got := r.Select([]byte(tt.host), nil)
		if got != tt.want {
			t.Errorf("Select(%q) = %d, want %d", tt.host, got, tt.want)
		}
	}
}

func TestSelectServerCaseInsensitive(t *testing.T) {
	r, _ := routerFor(t, `
		server { listen 80; server_name Example.COM; }
		server { listen 80; server_name *.Wild.Example; }
	`)
	for host, want := range map[string]int{"example.com": 0, "EXAMPLE.com": 0, "A.wild.example": 1, "a.WILD.example": 1} {
		if got := r.Select([]byte(host), nil); got != want {
			t.Errorf("Select(%q) = %d, want %d", host, got, want)
		}
	}
}

func TestDefaultServer(t *testing.T) {
	tests := []struct {
		name, config string
		want         int
		diag         string
	}{
		{"first when none marked", `server { listen 80; server_name a; } server { listen 80; server_name b; }`, 0, ""},
		{"marked", `server { listen 80; server_name a; } server { listen 80 default_server; server_name b; }`, 1, ""},
		{"old spelling", `server { listen 80; server_name a; } server { listen 80 default; server_name b; }`, 1, ""},
		{"duplicate", `server { listen 80 default_server; server_name a; } server { listen 80 default_server; server_name b; }`, 0,
			"error: a duplicate default server for 0.0.0.0:80"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, diags := routerFor(t, tt.config)
			if got := diagMessages(diags); got != tt.diag {
				t.Errorf("diagnostics %q, want %q", got, tt.diag)
			}
			if got := r.Default(); got != tt.want {
				t.Errorf("Default() = %d, want %d", got, tt.want)
			}
			if got := r.Select([]byte("nomatch.test"), nil); got != tt.want {
				t.Errorf("Select(miss) = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestServerNameDiagnostics(t *testing.T) {
	tests := []struct {
		config string
		want   string
		// host must select server 0 afterwards (or not, when wantServer says so)
		host       string
		wantServer int
	}{
		{`server { server_name *example.com; }`, `error: server name "*example.com" is invalid`, "", 0},
		{`server { server_name .; }`, `error: server name "." is invalid`, "", 0},
		{`server { server_name ~; }`, `error: empty regex in server name "~"`, "", 0},
		{`server { server_name a/b; }`, `warning: server name "a/b" has suspicious symbols`, "a/b", 0},
		{`server { server_name www.*.com; }`, `error: invalid server name or wildcard "www.*.com" on 0.0.0.0:80`, "", 0},
		{`server { server_name a..b; }`, `error: invalid server name or wildcard "a..b" on 0.0.0.0:80`, "", 0},
		{`server { server_name ~^(a; }`, `error: `, "", 0},
		{`server { server_name a; } server { server_name A; }`,
			`warning: conflicting server name "a" on 0.0.0.0:80, ignored`, "a", 0},
		{`server { server_name *.a.com; } server { server_name .a.com; }`,
			`warning: conflicting server name ".a.com" on 0.0.0.0:80, ignored`, "x.a.com", 0},
		// the exact name claims the base of a later ".a.com", which is then
		// ignored as a whole: x.a.com goes to the default server (0)
		{`server { server_name default; } server { server_name a.com; } server { server_name .a.com; }`,
			`warning: conflicting server name ".a.com" on 0.0.0.0:80, ignored`, "x.a.com", 0},
		// ".a.com" claims "a.com" even though its wildcard loses to "*.a.com"
		{`server { server_name *.a.com; } server { server_name .a.com; } server { server_name a.com; }`,
			"warning: conflicting server name \".a.com\" on 0.0.0.0:80, ignored\nwarning: conflicting server name \"a.com\" on 0.0.0.0:80, ignored", "a.com", 0},
	}
	for _, tt := range tests {
		t.Run(tt.config, func(t *testing.T) {
			r, diags := routerFor(t, tt.config)
			got := diagMessages(diags)
			if !strings.HasPrefix(got, tt.want) || (tt.want == "" && got != "") {
				t.Errorf("diagnostics:\n%s\nwant prefix:\n%s", got, tt.want)
			}
			if s := r.Select([]byte(tt.host), nil); s != tt.wantServer {
				t.Errorf("Select(%q) = %d, want %d", tt.host, s, tt.wantServer)
			}
		})
	}
}

func TestPrimaryName(t *testing.T) {
	tests := map[string]string{
		`server { }`:                               "",
		`server { server_name .example.com a; }`:   "example.com",
		`server { server_name ~^x a; }`:            "~^x",
		`server { server_name b; server_name c; }`: "b",
		`server { server_name $hostname; }`:        "myhost.example",
	}
	for cfg, want := range tests {
		s := parseHTTP(t, cfg)[0]
		n, _ := CompileServerNames(s.Body(), NameOptions{Hostname: "MyHost.example"})
		if got := n.Primary(); got != want {
			t.Errorf("%s: Primary() = %q, want %q", cfg, got, want)
		}
	}
}

// TestWildcardAgainstNaive compares the label tries with a direct reading of
// nginx's wildcard rules over generated names and hosts.
func TestWildcardAgainstNaive(t *testing.T) {
	labels := []string{"a", "b", "ab", "com"}
	var heads, tails []string
	for _, x := range labels {
		heads = append(heads, "*."+x, "."+x+".com")
		tails = append(tails, x+".*")
		for _, y := range labels {
			heads = append(heads, "*."+x+"."+y)
			tails = append(tails, x+"."+y+".*")
		}
	}
	var cfg strings.Builder
	all := append(append([]string{}, heads...), tails...)
	for _, n := range all {
		fmt.Fprintf(&cfg, "server { server_name %s; }\n", n)
	}
	r, _ := routerFor(t, cfg.String())
	naive := func(host string) int {
		best, bestLen := -1, -1
		for i, n := range heads {
			var ok bool
			var l int
			if strings.HasPrefix(n, "*.") {
				ok, l = strings.HasSuffix(host, n[1:]), len(n)-2
			} else {
				ok, l = host == n[1:] || strings.HasSuffix(host, n), len(n)-1
			}
			if ok && l > bestLen {
				best, bestLen = i, l
			}
		}
		if best >= 0 {
			return best
		}
		for i, n := range tails {
			if strings.HasPrefix(host, n[:len(n)-1]) && len(host) > len(n)-1 && (best < 0 || len(n) > len(tails[best-len(heads)])) {
				best = len(heads) + i
			}
		}
		if best < 0 {
			return 0 // the first server is the default
		}
		return best
	}
	var hosts []string
	for _, x := range labels {
		hosts = append(hosts, x)
		for _, y := range labels {
			hosts = append(hosts, x+"."+y)
			for _, z := range labels {
				hosts = append(hosts, x+"."+y+"."+z)
			}
		}
	}
	for _, h := range hosts {
		got := r.Select([]byte(h), nil)
		if want := naive(h); got != want {
			t.Errorf("Select(%q) = %d (%s), want %d (%s)", h, got, all[got], want, all[want])
		}
	}
}
