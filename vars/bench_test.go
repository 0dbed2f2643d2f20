package vars

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkHostServerPort evaluates "$host:$server_port" for a fresh request
// each iteration (Reset + SetClient + Eval), the per-request cost.
func BenchmarkHostServerPort(b *testing.B) {
	reg := testRegistry(b)
	tpl := reg.MustCompile("$host:$server_port")
	c := clientRequest("GET", "/index.html", "Host: Www.Example.COM", "User-Agent: bench")
	q := newTestRequest(b, reg, c)
	local, remote := q.LocalAddr, q.RemoteAddr
	var dst []byte
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		q.Reset()
		q.Client = c
		q.LocalAddr, q.RemoteAddr = local, remote
		dst = tpl.Eval(q, dst[:0])
	}
	if string(dst) != "www.example.com:8080" {
		b.Fatalf("got %q", dst)
	}
}

// benchMap builds a hostnames map over n names: n/2 exact names, n/4
// "*.wN.example" and n/4 ".dN.example" keys, plus a regex that never
// matches.
func benchMap(b *testing.B, n int) (*Registry, *Template) {
	var sb strings.Builder
	sb.WriteString("map $host $backend {\n hostnames;\n default fallback;\n")
	for i := range n / 2 {
		fmt.Fprintf(&sb, " host%d.example.com b%d;\n", i, i%97)
	}
	for i := range n / 4 {
		fmt.Fprintf(&sb, " *.w%d.example.net w%d;\n", i, i%89)
	}
	for i := range n / 4 {
		fmt.Fprintf(&sb, " .d%d.example.org d%d;\n", i, i%83)
	}
	sb.WriteString("}\n")
	reg := testRegistry(b)
	if diags := reg.LoadMaps(parseHTTP(b, sb.String())); len(diags) > 0 {
		b.Fatal(diags[0])
	}
	return reg, reg.MustCompile("$backend")
}

func BenchmarkMapLookup100k(b *testing.B) {
	reg, tpl := benchMap(b, 100_000)
	for _, bc := range []struct{ name, host, want string }{
		{"exact", "host4242.example.com", "b71"},
		{"wildcard", "www.shop.w7777.example.net", "w34"},
		{"dotwildcard", "d9999.example.org", "d39"},
		{"default", "nowhere.example.io", "fallback"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := clientRequest("GET", "/", "Host: "+bc.host)
			q := newTestRequest(b, reg, c)
			var dst []byte
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				q.Reset()
				q.Client = c
				dst = tpl.Eval(q, dst[:0])
			}
			if string(dst) != bc.want {
				b.Fatalf("got %q want %q", dst, bc.want)
			}
		})
	}
}

// BenchmarkHostTableFind100k is the lookup alone (no variable evaluation)
// in a table of 100,000 keys.
func BenchmarkHostTableFind100k(b *testing.B) {
	tab := NewHostTable[int]()
	for i := range 50_000 {
		_ = tab.AddKey(fmt.Sprintf("host%d.example.com", i), i)
	}
	for i := range 25_000 {
		_ = tab.AddKey(fmt.Sprintf("*.w%d.example.net", i), i)
		_ = tab.AddKey(fmt.Sprintf(".d%d.example.org", i), i)
	}
	for _, bc := range []struct {
		name, host string
		ok         bool
	}{
		{"exact", "host4242.example.com", true},
		{"wildcard", "www.shop.w7777.example.net", true},
		{"dotwildcard", "d9999.example.org", true},
		{"miss", "nowhere.example.io", false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			name := []byte(bc.host)
			b.ReportAllocs()
			for range b.N {
				if _, ok := tab.Find(name); ok != bc.ok {
					b.Fatal("wrong result")
				}
			}
		})
	}
}

// BenchmarkURI evaluates "$uri" on a request whose URI is already
// normalised (SetClient ran once), the cost of each use in a log line or a
// proxy_pass.
func BenchmarkURI(b *testing.B) {
	reg := testRegistry(b)
	tpl := reg.MustCompile("$uri")
	c := clientRequest("GET", "/a/b/../c/index.html?x=1", "Host: example.com")
	q := newTestRequest(b, reg, c)
	var dst []byte
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		dst = tpl.Eval(q, dst[:0])
	}
	if string(dst) != "/a/c/index.html" {
		b.Fatalf("got %q", dst)
	}
}

// BenchmarkURIPerRequest is BenchmarkURI including Reset and SetClient
// (which normalises the path), the cost of $uri for a new request.
func BenchmarkURIPerRequest(b *testing.B) {
	reg := testRegistry(b)
	tpl := reg.MustCompile("$uri|$document_uri")
	c := clientRequest("GET", "/a/b/../c/%69ndex.html?x=1", "Host: example.com")
	q := newTestRequest(b, reg, c)
	var dst []byte
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		q.Reset()
		if err := q.SetClient(c); err != nil {
			b.Fatal(err)
		}
		dst = tpl.Eval(q, dst[:0])
	}
	if string(dst) != "/a/c/index.html|/a/c/index.html" {
		b.Fatalf("got %q", dst)
	}
}
