package route

import (
	"fmt"
	"strings"
	"testing"

	"sliceproxy/vars"
)

// benchRouter has 1,000 names on one address: 600 exact, 200 "*.", 100
// ".", 100 ".*" wildcards.
func benchRouter(b *testing.B) *ServerRouter {
	var cfg strings.Builder
	for i := 0; i < 1000; i++ {
		var name string
		switch {
		case i < 600:
			name = fmt.Sprintf("host%d.example.com", i)
		case i < 800:
			name = fmt.Sprintf("*.wild%d.example.net", i)
		case i < 900:
			name = fmt.Sprintf(".dot%d.example.org", i)
		default:
			name = fmt.Sprintf("tail%d.example.*", i)
		}
		fmt.Fprintf(&cfg, "server { server_name %s; }\n", name)
	}
	r, diags := routerFor(b, cfg.String())
	if len(diags) > 0 {
		b.Fatal(diagMessages(diags))
	}
	return r
}

func BenchmarkSelectServer(b *testing.B) {
	r := benchRouter(b)
	reg := vars.NewRegistry(vars.RegistryOptions{})
	req := reg.NewRequest()
	for _, bc := range []struct{ name, host string }{
		{"exact", "host599.example.com"},
		{"wildcard-head", "a.b.wild700.example.net"},
		{"wildcard-dot", "dot850.example.org"},
		{"wildcard-tail", "tail950.example.co.uk"},
		{"miss", "nothing.here.test"},
		{"exact-uppercase", "HOST599.Example.com"},
	} {
		host := []byte(bc.host)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r.Select(host, req)
			}
		})
	}
}

// benchTree has 100 prefix locations (some nested lists) and 20 regexes.
func benchTree(b *testing.B) *Tree[string] {
	var cfg strings.Builder
	for i := 0; i < 100; i++ {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&cfg, "location /section%d/ { }\n", i)
		case 1:
			fmt.Fprintf(&cfg, "location /section%d/sub/ { }\n", i-1)
		case 2:
			fmt.Fprintf(&cfg, "location = /exact%d { }\n", i)
		default:
			fmt.Fprintf(&cfg, "location ^~ /assets%d/ { }\n", i)
		}
	}
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&cfg, "location ~* \\.ext%d$ { }\n", i)
	}
	cfg.WriteString("location / { }\n")
	tree, diags := buildServer(b, cfg.String())
	if len(diags) > 0 {
		b.Fatal(diagMessages(diags))
	}
	return tree
}

func BenchmarkFindLocation(b *testing.B) {
	tree := benchTree(b)
	reg := vars.NewRegistry(vars.RegistryOptions{})
	req := reg.NewRequest()
	for _, bc := range []struct{ name, uri string }{
		{"exact", "/exact50"},
		{"prefix-noregex", "/assets51/img/logo.png"},
		{"nested-prefix-all-regexes-miss", "/section48/sub/page.html"},
		{"regex-last-hits", "/section48/file.ext19"},
		{"root-all-regexes-miss", "/index.html"},
	} {
		uri := []byte(bc.uri)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tree.Find(uri, req)
			}
		})
	}
}
