package route

import (
	"fmt"
	"strings"
	"testing"

	"sliceproxy/nginxconf"
	"sliceproxy/vars"
)

// namedCaptureServers: regex server names with named captures, one
// referenced by an earlier server (nginx declares variables for the whole
// configuration, so the reference may come first).
const namedCaptureServers = `
	server { listen 80 default_server; return 200 "default who=$who"; }
	server { listen 80; server_name ~^(?<user>[a-z]+)\.re\.example$; return 200 "user=$user 1=$1"; }
	server { listen 80; server_name ~^(?P<who>[a-z]+)\.py\.example$; return 200 "who=$who"; }
	server { listen 80; server_name ~^(?<shout>[A-Z]+)\.up\.example$; return 200 "shout=$shout"; }
	server { listen 80; server_name ~^(?<lhs>[a-z]+)-(?<rhs>[a-z]+)\.two\.example$; return 200 "$rhs-$lhs"; }
`

// loadNamedCaptures compiles namedCaptureServers in the order proxy.Load
// does: per server, the names, then the server's return text, all against
// one registry that defers unknown names; then Unresolved.
func loadNamedCaptures(t *testing.T, withRegistry bool) (*ServerRouter, []*vars.Template, *vars.Registry, []nginxconf.Diagnostic) {
	t.Helper()
	reg := vars.NewRegistry(vars.RegistryOptions{Hostname: "h", DeferUnknown: true})
	opt := NameOptions{Hostname: "h"}
	if withRegistry {
		opt.Registry = reg
	}
	var cands []Candidate
	var texts []*vars.Template
	var diags []nginxconf.Diagnostic
	for i, s := range parseHTTP(t, namedCaptureServers) {
		names, d := CompileServerNames(s.Body(), opt)
		diags = append(diags, d...)
		c := Candidate{Server: i, Names: names}
		for _, x := range s.Body() {
			switch x.Name {
			case "listen":
				c.Default = len(x.Args) > 1 && x.Args[1].Value == "default_server"
			case "return":
				tmpl, err := reg.Compile(x.Args[1].Value, x.Args[1].Pos)
				if err != nil {
					t.Fatalf("compile %q: %v", x.Args[1].Value, err)
				}
				texts = append(texts, tmpl)
			}
		}
		cands = append(cands, c)
	}
	r, d := NewServerRouter("0.0.0.0:80", cands)
	diags = append(diags, d...)
	return r, texts, reg, append(diags, reg.Unresolved()...)
}

// TestServerNameNamedCaptures: with the registry, named captures of
// server_name regexes are variables set by the match that selected the
// server (nginx's ngx_http_server_names compiles them with
// ngx_http_regex_compile; answers checked against nginx 1.22 in
// proxy/e2e TestDiffServerNameNamedCaptures).
func TestServerNameNamedCaptures(t *testing.T) {
	r, texts, reg, diags := loadNamedCaptures(t, true)
	if len(diags) > 0 {
		t.Fatalf("unexpected diagnostics:\n%s", diagMessages(diags))
	}
	tests := []struct {
		host string
		want string
	}{
		{"alice.re.example", "user=alice 1=alice"},
		{"bob.py.example", "who=bob"},
		// Upper case in the pattern makes it caseless; the host is lowercase.
		{"carol.up.example", "shout=carol"},
		{"ab-cd.two.example", "cd-ab"},
		// No regex matches: the default server, the capture is not found.
		{"9.re.example", "default who="},
		{"", "default who="},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			req := reg.NewRequest()
			s := r.Select([]byte(tt.host), req)
			if got := texts[s].String(req); got != tt.want {
				t.Errorf("host %q: server %d says %q, want %q", tt.host, s, got, tt.want)
			}
		})
	}
}

// TestServerNameNamedCapturesNeedRegistry: compiled without the registry,
// the regexes still select servers but declare nothing, so a configuration
// using the captures is refused at the end of the load, as sliceproxy did
// before proxy.Load passed its registry (the e2e symptom).
func TestServerNameNamedCapturesNeedRegistry(t *testing.T) {
	r, _, _, diags := loadNamedCaptures(t, false)
	var msgs []string
	for _, d := range diags {
		msgs = append(msgs, d.Message)
	}
	got := strings.Join(msgs, "\n")
	for _, name := range []string{"who", "user", "shout", "lhs", "rhs"} {
		if want := fmt.Sprintf("unknown %q variable", name); !strings.Contains(got, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, got)
		}
	}
	if s := r.Select([]byte("alice.re.example"), nil); s != 1 {
		t.Errorf("Select(alice.re.example) = %d, want 1", s)
	}
}
