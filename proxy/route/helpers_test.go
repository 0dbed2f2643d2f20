package route

import (
	"strings"
	"testing"

	"sliceproxy/nginxconf"
)

// parseHTTP parses src as the body of an http block and returns its server
// blocks.
func parseHTTP(t testing.TB, src string) []*nginxconf.Directive {
	t.Helper()
	cfg, diags := nginxconf.ParseBytes("test.conf", []byte("http {\n"+src+"\n}\n"), nginxconf.Options{SingleFile: true})
	for _, d := range diags {
		if d.Severity == nginxconf.SevError {
			t.Fatalf("parse: %v", d.Error())
		}
	}
	var servers []*nginxconf.Directive
	for _, d := range cfg.Directives() {
		if d.Name != "http" {
			continue
		}
		for _, s := range d.Body() {
			if s.Name == "server" {
				servers = append(servers, s)
			}
		}
	}
	return servers
}

// buildServer builds the location tree of a one-server config given as the
// server block's body.
func buildServer(t testing.TB, body string) (*Tree[string], []nginxconf.Diagnostic) {
	t.Helper()
	servers := parseHTTP(t, "server {\n"+body+"\n}")
	if len(servers) != 1 {
		t.Fatalf("want 1 server, got %d", len(servers))
	}
	tree, diags := Build[string](servers[0].Body(), BuildOptions{})
	for _, l := range tree.Locations() {
		l.Payload = l.String()
	}
	return tree, diags
}

func diagMessages(diags []nginxconf.Diagnostic) string {
	var msgs []string
	for _, d := range diags {
		msgs = append(msgs, d.Severity.String()+": "+d.Message)
	}
	return strings.Join(msgs, "\n")
}
