package upstream

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sliceproxy/nginxconf"
	"sliceproxy/vars"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/upstream")

// buildConf parses an http block's contents and builds its upstreams.
func buildConf(t *testing.T, body string, declare ...string) (*Set, []nginxconf.Diagnostic, *vars.Registry) {
	t.Helper()
	src := "http {\n" + body + "}\n"
	cfg, diags := nginxconf.ParseBytes("test.conf", []byte(src), nginxconf.Options{SingleFile: true})
	for _, d := range diags {
		if d.Severity == nginxconf.SevError {
			t.Fatalf("parse: %s", d.Error())
		}
	}
	var http *nginxconf.Directive
	for _, d := range cfg.Directives() {
		if d.Name == "http" {
			http = d
		}
	}
	reg := vars.NewRegistry(vars.RegistryOptions{})
	for _, name := range declare {
		if _, err := reg.DeclareSet(name); err != nil {
			t.Fatal(err)
		}
	}
	set, bd := Build(http.Body(), reg, Options{Clock: newFakeClock(), ResolveTimeout: 2 * time.Second, Watch: WatchOff})
	t.Cleanup(set.Close)
	return set, bd, reg
}

func TestBuildErrors(t *testing.T) {
	cases := []struct {
		name string
		body string
		line int
		want string
	}{
		{"slice_key alone", "upstream u {\n server 127.0.0.1:1;\n keepalive 10 slice_key=$host;\n}\n", 4, "specific either slice_conn or slice_dyn"},
		{"keepalive 0", "upstream u {\n server 127.0.0.1:1;\n keepalive 0;\n}\n", 4, `invalid value "0" in "keepalive" directive`},
		{"keepalive not a number", "upstream u {\n server 127.0.0.1:1;\n keepalive ten;\n}\n", 4, `invalid value "ten" in "keepalive" directive`},
		{"unknown keepalive parameter", "upstream u {\n server 127.0.0.1:1;\n keepalive 10 slice_foo=1;\n}\n", 4, `invalid parameter "slice_foo=1"`},
		{"bad slice_conn", "upstream u {\n server 127.0.0.1:1;\n keepalive 10 slice_key=$host slice_conn=x;\n}\n", 4, `invalid parameter "slice_conn=x"`},
		{"duplicate keepalive", "upstream u {\n server 127.0.0.1:1;\n keepalive 10;\n keepalive 20;\n}\n", 5, `"keepalive" directive is duplicate`},
		{"duplicate keepalive_timeout", "upstream u {\n server 127.0.0.1:1;\n keepalive_timeout 1s;\n keepalive_timeout 2s;\n}\n", 5, `"keepalive_timeout" directive is duplicate`},
		{"bad keepalive_timeout", "upstream u {\n server 127.0.0.1:1;\n keepalive_timeout 5x;\n}\n", 4, `invalid value "5x" in "keepalive_timeout" directive`},
		{"bad keepalive_requests", "upstream u {\n server 127.0.0.1:1;\n keepalive_requests -1;\n}\n", 4, `invalid value "-1" in "keepalive_requests" directive`},
		{"bad port", "upstream u {\n server 127.0.0.1:99999;\n}\n", 3, "invalid port"},
		{"weight=0", "upstream u {\n server 127.0.0.1 weight=0;\n}\n", 3, `invalid parameter "weight=0"`},
		{"unknown server parameter", "upstream u {\n server 127.0.0.1 slow_start=10s;\n}\n", 3, `invalid parameter "slow_start=10s"`},
		{"bad fail_timeout", "upstream u {\n server 127.0.0.1 fail_timeout=abc;\n}\n", 3, `invalid parameter "fail_timeout=abc"`},
		{"IPv6 without brackets", "upstream u {\n server ::1:80;\n}\n", 3, "IPv6 addresses need brackets"},
		{"no servers", "upstream u {\n}\n", 2, "no servers are inside upstream"},
		{"duplicate upstream", "upstream u { server 127.0.0.1; }\nupstream u { server 127.0.0.1; }\n", 3, `duplicate upstream "u"`},
		{"hash bad parameter", "upstream u {\n hash $arg_k foo;\n server 127.0.0.1;\n}\n", 3, `invalid parameter "foo"`},
		{"random bad parameter", "upstream u {\n random three;\n server 127.0.0.1;\n}\n", 3, `invalid parameter "three"`},
		{"backup after ip_hash", "upstream u {\n ip_hash;\n server 127.0.0.1 backup;\n}\n", 4, `invalid parameter "backup"`},
		{"slice_dyn unknown variable", "upstream u {\n server 127.0.0.1;\n keepalive 4 slice_key=$host slice_dyn=$nosuch;\n}\n", 4, `unknown "nosuch" variable`},
		{"slice_key unknown variable", "upstream u {\n server 127.0.0.1;\n keepalive 4 slice_key=$nosuch slice_conn=1;\n}\n", 4, `unknown "nosuch" variable`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			set, diags, _ := buildConf(t, tc.body)
			var found bool
			var all []string
			for _, d := range diags {
				all = append(all, d.Error())
				if d.Severity == nginxconf.SevError && d.Pos.File == "test.conf" && d.Pos.Line == tc.line && strings.Contains(d.Message, tc.want) {
					found = true
				}
			}
			if !found {
				t.Fatalf("want error at test.conf:%d containing %q, got %q", tc.line, tc.want, all)
			}
			if tc.name != "duplicate upstream" && set.Get("u") != nil {
				t.Fatalf("a group with errors was built")
			}
		})
	}
}

func TestBuildGroups(t *testing.T) {
	set, diags, _ := buildConf(t, `
upstream itk {
    server 127.0.0.1:8081 weight=5 max_fails=3 fail_timeout=30s;
    server 127.0.0.1 backup;
    server [::1]:8083 down;
    server unix:/run/app.sock max_conns=10;
    keepalive 32 slice_key=$host slice_conn=2 slice_poolsize=100 slice_keylen=64;
    keepalive_timeout 5s;
    keepalive_requests 100;
    keepalive_time 10m;
}
upstream plain { server 127.0.0.1:9000; }
upstream hc { hash $request_uri consistent; server 127.0.0.1:1; server 127.0.0.1:2; }
upstream r2 { random two least_conn; server 127.0.0.1:1; server 127.0.0.1:2; }
upstream lc { least_conn; server 127.0.0.1:1; keepalive 4; keepalive_timeout 0; }
upstream ih { ip_hash; server 127.0.0.1:1; }
upstream local { server localhost:8084; }
`)
	for _, d := range diags {
		t.Errorf("unexpected diagnostic %s", d.Error())
	}
	g := set.Get("itk")
	if g == nil {
		t.Fatal("itk not built")
	}
	var names []string
	for _, p := range g.Peers {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, " "); got != "127.0.0.1:8081 [::1]:8083 unix:/run/app.sock 127.0.0.1:80" {
		t.Fatalf("peers %q (primary first, backup last, default port 80)", got)
	}
	p0 := g.Peers[0]
	if p0.Weight != 5 || p0.MaxFails != 3 || p0.FailTimeout != 30*time.Second {
		t.Fatalf("server parameters %+v", p0)
	}
	if !g.Peers[1].Down || g.Peers[2].MaxConns != 10 || g.Peers[2].Network != "unix" || !g.Peers[3].Backup {
		t.Fatalf("down/max_conns/unix/backup not applied")
	}
	cfg := g.Pool.Config()
	want := PoolConfig{Name: "itk", MaxIdle: 32, Sliced: true, SlicePoolSize: 100, SliceKeyLen: 64,
		IdleTimeout: 5 * time.Second, MaxRequests: 100, MaxLifetime: 10 * time.Minute}
	if cfg.Name != want.Name || cfg.MaxIdle != want.MaxIdle || cfg.Sliced != want.Sliced || cfg.SlicePoolSize != want.SlicePoolSize ||
		cfg.SliceKeyLen != want.SliceKeyLen || cfg.IdleTimeout != want.IdleTimeout || cfg.MaxRequests != want.MaxRequests || cfg.MaxLifetime != want.MaxLifetime {
		t.Fatalf("pool config %+v", cfg)
	}
	if set.Get("plain").Pool != nil {
		t.Fatalf("no keepalive must mean no pool")
	}
	lc := set.Get("lc")
	if lc.Method != MethodLeastConn || lc.Pool.Config().IdleTimeout >= 0 || lc.Pool.Config().MaxRequests != DefaultMaxRequests {
		t.Fatalf("lc: method %v, pool %+v", lc.Method, lc.Pool.Config())
	}
	if set.Get("hc").Method != MethodHashConsistent || set.Get("r2").Method != MethodRandomTwo || set.Get("ih").Method != MethodIPHash {
		t.Fatalf("methods not parsed")
	}
	if len(set.Get("hc").points) != 2*160 {
		t.Fatalf("consistent hash has %d points, want 320", len(set.Get("hc").points))
	}
	loc := set.Get("local")
	if len(loc.Peers) == 0 || !strings.HasSuffix(loc.Peers[0].Name, ":8084") || loc.Peers[0].Server != "localhost:8084" {
		t.Fatalf("localhost not resolved: %+v", loc.Peers)
	}
}

func TestBuildSliceLimit(t *testing.T) {
	set, diags, reg := buildConf(t, `
upstream dyn { server 127.0.0.1:1; keepalive 8 slice_key=$ka_key slice_dyn=$ka_n slice_keylen=3; }
upstream fixed { server 127.0.0.1:1; keepalive 8 slice_key=$ka_key slice_conn=2; }
upstream hdr { server 127.0.0.1:1; keepalive 8 slice_key=$ka_key slice_dyn=$http_x_slice_limit; }
`, "ka_key", "ka_n")
	for _, d := range diags {
		t.Fatalf("unexpected diagnostic %s", d.Error())
	}
	keyIdx, _ := reg.Lookup("ka_key")
	nIdx, _ := reg.Lookup("ka_n")
	cases := []struct {
		name       string
		n          *string
		wantLimit  int
		wantReason Reason
	}{
		{"number", ptr("3"), 3, ReasonNone},
		{"zero", ptr("0"), 0, ReasonSliceDisabled},
		{"not an integer", ptr("3x"), LimitInvalid, ReasonSliceVarInvalid},
		{"negative", ptr("-1"), LimitInvalid, ReasonSliceVarInvalid},
		{"empty", ptr(""), LimitInvalid, ReasonSliceVarInvalid},
		// An unassigned "set" variable is empty in nginx ("using
		// uninitialized variable"), so tengine's atoi fails: invalid.
		{"unassigned set variable", nil, LimitInvalid, ReasonSliceVarInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := reg.NewRequest()
			req.SetVar(keyIdx, []byte("vhost.example"))
			if tc.n != nil {
				req.SetVar(nIdx, []byte(*tc.n))
			}
			key, limit, reason := set.Get("dyn").Slice(req)
			wantReason := ""
			if tc.wantReason != ReasonNone {
				wantReason = tc.wantReason.String()
			}
			if key != "vho" || limit != tc.wantLimit || reason != wantReason {
				t.Fatalf("Slice = %q %d %v, want vho %d %v", key, limit, reason, tc.wantLimit, tc.wantReason)
			}
		})
	}
	req := reg.NewRequest()
	req.SetVar(keyIdx, []byte("a.test"))
	if key, limit, reason := set.Get("fixed").Slice(req); key != "a.test" || limit != 2 || reason != "" {
		t.Fatalf("slice_conn: %q %d %v", key, limit, reason)
	}
	// A variable that is not found (no such header) is "uninitialized".
	if _, limit, reason := set.Get("hdr").Slice(req); limit != LimitMissing || reason != ReasonSliceVarMissing.String() {
		t.Fatalf("slice_dyn on a missing header: %d %q", limit, reason)
	}
}

func ptr(s string) *string { return &s }

func TestImplicit(t *testing.T) {
	set, _, _ := buildConf(t, "upstream u { server 127.0.0.1:1; }\n")
	g, err := set.Implicit("127.0.0.1:8080")
	if err != nil {
		t.Fatal(err)
	}
	if !g.Implicit || g.Pool != nil || len(g.Peers) != 1 || g.Peers[0].Name != "127.0.0.1:8080" || g.Peers[0].MaxFails != 1 || g.Peers[0].FailTimeout != 10*time.Second {
		t.Fatalf("implicit group %+v %+v", g, g.Peers[0])
	}
	if again, _ := set.Implicit("127.0.0.1:8080"); again != g {
		t.Fatalf("implicit groups are not cached")
	}
	if g, err := set.Implicit("127.0.0.1"); err != nil || g.Peers[0].Name != "127.0.0.1:80" {
		t.Fatalf("default port: %v %v", g, err)
	}
	if _, err := set.Implicit("[::1"); err == nil {
		t.Fatalf("bad address accepted")
	}
}

// TestBuildGolden builds testdata/upstream/build.conf and compares a dump of
// the groups with build.golden (go test -run Golden -update rewrites it).
func TestBuildGolden(t *testing.T) {
	dir := filepath.Join("..", "testdata", "upstream")
	src, err := os.ReadFile(filepath.Join(dir, "build.conf"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, pd := nginxconf.ParseBytes("build.conf", src, nginxconf.Options{SingleFile: true})
	var b strings.Builder
	for _, d := range pd {
		fmt.Fprintf(&b, "parse: %s\n", d.Error())
	}
	for _, d := range cfg.Directives() {
		if d.Name != "http" {
			continue
		}
		set, diags := Build(d.Body(), vars.NewRegistry(vars.RegistryOptions{}), Options{Clock: newFakeClock(), Watch: WatchOff})
		defer set.Close()
		for _, d := range diags {
			fmt.Fprintf(&b, "diag: %s\n", d.Error())
		}
		for _, g := range set.Groups() {
			fmt.Fprintf(&b, "upstream %s (%s) method=%s tries=%d\n", g.Name, g.Pos, g.Method, g.tries)
			for _, p := range g.Peers {
				fmt.Fprintf(&b, "  peer %s server=%s net=%s weight=%d max_fails=%d fail_timeout=%s max_conns=%d backup=%v down=%v\n",
					p.Name, p.Server, p.Network, p.Weight, p.MaxFails, p.FailTimeout, p.MaxConns, p.Backup, p.Down)
			}
			if g.Pool != nil {
				c := g.Pool.Config()
				fmt.Fprintf(&b, "  keepalive %d sliced=%v poolsize=%d keylen=%d timeout=%s requests=%d time=%s\n",
					c.MaxIdle, c.Sliced, c.SlicePoolSize, c.SliceKeyLen, c.IdleTimeout, c.MaxRequests, c.MaxLifetime)
			}
		}
	}
	golden := filepath.Join(dir, "build.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Fatalf("build dump differs from %s (run with -update to accept):\n%s", golden, b.String())
	}
}

// nginx compares upstream names case-insensitively: "proxy_pass http://a"
// uses "upstream A", and "upstream a" after "upstream A" is a duplicate.
func TestUpstreamNamesCaseInsensitive(t *testing.T) {
	set, diags, _ := buildConf(t, "upstream Backend { server 127.0.0.1:1; }\n")
	if len(diags) != 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	for _, name := range []string{"Backend", "backend", "BACKEND"} {
		if g := set.Get(name); g == nil || g.Name != "Backend" {
			t.Errorf("Get(%q) = %v, want the group Backend", name, g)
		}
	}
	_, diags, _ = buildConf(t, "upstream A { server 127.0.0.1:1; }\nupstream a { server 127.0.0.1:2; }\n")
	if len(diags) != 1 || !strings.Contains(diags[0].Message, `duplicate upstream "a"`) || diags[0].Pos.Line != 3 {
		t.Fatalf("diagnostics %v, want duplicate upstream \"a\" at line 3", diags)
	}
}
