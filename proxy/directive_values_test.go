package proxy

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sliceproxy/internal/testenv"
	"sliceproxy/nginxconf"
)

// loadServer loads "http { server { serverBody } }" without serving it and
// returns the runtime (nil when the load failed) and every diagnostic.
func loadServer(t *testing.T, serverBody string) (*Runtime, []nginxconf.Diagnostic) {
	t.Helper()
	dir := t.TempDir()
	certPEM, keyPEM := testenv.SelfSigned(t, "test")
	for name, body := range map[string]string{"cert.pem": certPEM, "key.pem": keyPEM} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	conf := "pid off;\nevents {}\nhttp {\nserver {\nlisten 127.0.0.1:0;\n" +
		strings.ReplaceAll(serverBody, "{{DIR}}", dir) + "\n}\n}\n"
	cfg, diags := nginxconf.ParseBytes(filepath.Join(dir, "nginx.conf"), []byte(conf), nginxconf.Options{Prefix: dir + "/"})
	if nginxconf.HasErrors(diags) {
		t.Fatalf("parse: %v", diags)
	}
	rt, ldiags := Load(cfg, LoadOptions{Prefix: dir + "/", NoOpenLogs: true})
	if rt != nil {
		t.Cleanup(rt.Close)
	}
	return rt, append(diags, ldiags...)
}

// TestDirectiveWordsCaseInsensitive: nginx compares the words of flag
// (ngx_conf_set_flag_slot), enum and bitmask slots with ngx_strcasecmp, so
// "TIMEOUT" and "On" load; words other handlers compare with ngx_strcmp
// (proxy_redirect's "default") keep their case (nginx -t agrees, see
// cmd/sliceproxy's TestTestConfigAgreesWithNginx).
func TestDirectiveWordsCaseInsensitive(t *testing.T) {
	cases := []struct {
		name, body string
		// check inspects the server level's merged configuration.
		check func(t *testing.T, s *serverConf)
		warn  string // a warning the load must report ("" none)
	}{
		{"bitmask mixed case", "proxy_next_upstream error TIMEOUT Http_502;", func(t *testing.T, s *serverConf) {
			if want := nextError | nextTimeout | nextHTTP502; s.conf.nextUpstream != want {
				t.Errorf("mask %b, want %b", s.conf.nextUpstream, want)
			}
		}, ""},
		{"off wins over the other words", "proxy_next_upstream error OFF;", func(t *testing.T, s *serverConf) {
			if s.conf.nextUpstream != nextOff {
				t.Errorf("mask %b, want off", s.conf.nextUpstream)
			}
		}, ""},
		{"repeated word warns", "proxy_next_upstream error Error;", func(t *testing.T, s *serverConf) {
			if s.conf.nextUpstream != nextError {
				t.Errorf("mask %b, want error", s.conf.nextUpstream)
			}
		}, `duplicate value "Error"`},
		{"flag upper case", "proxy_buffering OFF; proxy_intercept_errors On;", func(t *testing.T, s *serverConf) {
			if s.conf.buffering || !s.conf.interceptErrors {
				t.Errorf("buffering %v intercept %v, want false true", s.conf.buffering, s.conf.interceptErrors)
			}
		}, ""},
		{"proxy_socket_keepalive", "proxy_socket_keepalive ON;", func(t *testing.T, s *serverConf) {
			if !s.conf.socketKeepalive {
				t.Errorf("socketKeepalive false, want true")
			}
		}, ""},
		{"proxy_socket_keepalive is off by default", "", func(t *testing.T, s *serverConf) {
			if s.conf.socketKeepalive {
				t.Errorf("socketKeepalive true, want false")
			}
		}, ""},
		{"server-level flags", "underscores_in_headers ON; ignore_invalid_headers Off;", func(t *testing.T, s *serverConf) {
			if !s.headerBufs.underscores || !s.headerBufs.keepInvalid {
				t.Errorf("header options %+v, want both set", s.headerBufs)
			}
		}, ""},
		{"ssl_protocols bitmask", "ssl_certificate {{DIR}}/cert.pem; ssl_certificate_key {{DIR}}/key.pem; ssl_protocols tlsv1.3;", func(t *testing.T, s *serverConf) {
			if s.tls == nil || s.tls.minVer != tls.VersionTLS13 || s.tls.maxVer != tls.VersionTLS13 {
				t.Errorf("tls %+v, want TLSv1.3 only", s.tls)
			}
		}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rt, diags := loadServer(t, c.body)
			if rt == nil || nginxconf.HasErrors(diags) {
				t.Fatalf("load failed: %v", diags)
			}
			c.check(t, rt.servers[0])
			found := c.warn == ""
			for _, d := range diags {
				if c.warn != "" && strings.Contains(d.Message, c.warn) {
					found = true
				}
			}
			if !found {
				t.Errorf("no warning %q in %v", c.warn, diags)
			}
		})
	}
}

// TestDirectiveWordsRejected: what nginx refuses stays refused, in its words.
func TestDirectiveWordsRejected(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"unknown bitmask word", "location / { proxy_pass http://127.0.0.1:9; proxy_next_upstream error bogus; }", `invalid value "bogus"`},
		{"proxy_redirect words are case-sensitive", "location / { proxy_pass http://127.0.0.1:9; proxy_redirect Default; }", `invalid parameter "Default"`},
		{"proxy_redirect default before proxy_pass", "location / { proxy_redirect default; proxy_pass http://127.0.0.1:9; }", `"proxy_redirect default" should be placed after the "proxy_pass" directive`},
		{"proxy_redirect default at server level", "proxy_redirect default; location / { proxy_pass http://127.0.0.1:9; }", `"proxy_redirect default" should be placed after the "proxy_pass" directive`},
		{"proxy_redirect default with a variable proxy_pass", "location / { set $u 127.0.0.1:9; proxy_pass http://$u; proxy_redirect default; }", `cannot be used with "proxy_pass" directive with variables`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rt, diags := loadServer(t, c.body)
			if rt != nil && !nginxconf.HasErrors(diags) {
				t.Fatalf("loaded, want an error %q", c.want)
			}
			var msgs []string
			for _, d := range diags {
				msgs = append(msgs, d.Message)
			}
			if !strings.Contains(strings.Join(msgs, "\n"), c.want) {
				t.Errorf("diagnostics %q, want %q", msgs, c.want)
			}
		})
	}
}
