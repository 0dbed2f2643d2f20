package access

import (
	"net/netip"
	"strings"
	"testing"

	"sliceproxy/nginxconf"
)

func compile(t *testing.T, conf string) (*Rules, []nginxconf.Diagnostic) {
	t.Helper()
	cfg, diags := nginxconf.ParseBytes("test.conf", []byte(conf), nginxconf.Options{SingleFile: true})
	if nginxconf.HasErrors(diags) {
		t.Fatalf("parse: %v", diags)
	}
	return Compile(cfg.Directives())
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		conf   string
		client string // "unix" for a unix-socket client
		want   bool
	}{
		{"no rules allow", "", "192.0.2.1", true},
		{"deny all", "deny all;", "192.0.2.1", false},
		{"first match wins: allow then deny all", "allow 192.0.2.1; deny all;", "192.0.2.1", true},
		{"first match wins: other client", "allow 192.0.2.1; deny all;", "192.0.2.2", false},
		{"deny before allow", "deny 192.0.2.1; allow all;", "192.0.2.1", false},
		{"cidr", "allow 10.0.0.0/8; deny all;", "10.20.30.40", true},
		{"cidr miss", "allow 10.0.0.0/8; deny all;", "11.0.0.1", false},
		{"no match allows", "deny 10.0.0.0/8;", "192.0.2.1", true},
		{"ipv6", "allow 2001:db8::/32; deny all;", "2001:db8::5", true},
		{"ipv6 miss", "allow 2001:db8::/32; deny all;", "2001:db9::5", false},
		{"ipv4-mapped client matches ipv4 rule", "allow 192.0.2.0/24; deny all;", "::ffff:192.0.2.9", true},
		{"ipv4 rule does not match ipv6 client", "deny 0.0.0.0/0;", "2001:db8::1", true},
		{"unix rule", "allow unix:; deny all;", "unix", true},
		{"unix client and address rules", "deny 127.0.0.1; allow all;", "unix", true},
		{"unix client denied by all", "allow 127.0.0.1; deny all;", "unix", false},
		{"masked range", "allow 192.0.2.77/24; deny all;", "192.0.2.1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, diags := compile(t, tt.conf)
			if nginxconf.HasErrors(diags) {
				t.Fatalf("diagnostics: %v", diags)
			}
			var addr netip.Addr
			unix := tt.client == "unix"
			if !unix {
				addr = netip.MustParseAddr(tt.client)
			}
			got, _ := r.Check(addr, unix)
			if got != tt.want {
				t.Fatalf("Check(%s) = %v, want %v", tt.client, got, tt.want)
			}
		})
	}
}

func TestCompileDiagnostics(t *testing.T) {
	tests := []struct {
		conf string
		sev  nginxconf.Severity
		want string
	}{
		{"allow 300.1.1.1;", nginxconf.SevError, `invalid parameter "300.1.1.1"`},
		{"deny example.com;", nginxconf.SevError, `invalid parameter "example.com"`},
		{"allow 10.0.0.0/33;", nginxconf.SevError, `invalid parameter "10.0.0.0/33"`},
		{"allow 192.0.2.77/24;", nginxconf.SevWarning, "low address bits of 192.0.2.77/24 are meaningless"},
	}
	for _, tt := range tests {
		_, diags := compile(t, tt.conf)
		if len(diags) != 1 || diags[0].Severity != tt.sev || !strings.Contains(diags[0].Message, tt.want) || diags[0].Pos.Line != 1 {
			t.Errorf("%s: diagnostics %v, want one %s %q at line 1", tt.conf, diags, tt.sev, tt.want)
		}
	}
}

func TestNoRulesKeepsInherited(t *testing.T) {
	r, diags := compile(t, "root /srv;")
	if r != nil || len(diags) != 0 {
		t.Fatalf("a level without allow/deny must return nil rules, got %v %v", r, diags)
	}
}
