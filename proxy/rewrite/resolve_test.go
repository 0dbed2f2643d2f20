package rewrite

import (
	"strconv"
	"strings"
	"testing"

	"sliceproxy/nginxconf"
	"sliceproxy/proxy/route"
	"sliceproxy/vars"
)

// serverFixture compiles a whole server block: its own script and a
// location tree whose payloads are the locations' scripts.
type serverFixture struct {
	reg    *vars.Registry
	server *Script[string]
	tree   *route.Tree[*Script[string]]
}

func newServerFixture(t *testing.T, src string) *serverFixture {
	t.Helper()
	cfg, diags := nginxconf.ParseBytes("test.conf", []byte("server {\n"+src+"\n}\n"), nginxconf.Options{SingleFile: true})
	if len(diags) > 0 {
		t.Fatal(diagMessages(diags))
	}
	body := cfg.Directives()[0].Body()
	f := &serverFixture{reg: vars.NewRegistry(vars.RegistryOptions{})}
	var all []nginxconf.Diagnostic
	all = append(all, DeclareSets(body, f.reg)...)
	s, d := Compile[string](body, ServerLevel, f.reg)
	f.server = s
	all = append(all, d...)
	tree, d := route.Build[*Script[string]](body, route.BuildOptions{Registry: f.reg})
	all = append(all, d...)
	for _, l := range tree.Locations() {
		ls, d := Compile[string](l.Directive.Body(), LocationLevel, f.reg)
		all = append(all, d...)
		l.Payload = ls
	}
	f.tree = tree
	if len(all) > 0 {
		t.Fatal(diagMessages(all))
	}
	return f
}

func (f *serverFixture) selectFor(uri, args string, budget *Budget) (Selection[*Script[string], string], *vars.Request) {
	req := newRequest(f.reg, uri, args, "")
	sel := Select(req, Env{FS: fakeFS{}}, f.server, f.tree,
		func(l *route.Location[*Script[string]]) *Script[string] { return l.Payload }, budget)
	return sel, req
}

func TestSelect(t *testing.T) {
	f := newServerFixture(t, `
		rewrite ^/legacy/(.*)$ /new/$1;
		if ($arg_block) { return 403; }
		location / { }
		location /new/ { rewrite ^/new/(.*)$ /final/$1 last; }
		location /final/ { return 200 "final $uri"; }
		location /dir/ { proxy_pass http://127.0.0.1:9; }
		location /loop/ { rewrite ^ /loop/again last; }
		location /brk/ { rewrite ^ /final/x break; }
		location = /srv-null { }
	`)
	tests := []struct {
		uri, args string
		want      string
	}{
		{"/legacy/a", "", "/final/ status=200 body=final /final/a"},
		{"/new/b", "", "/final/ status=200 body=final /final/b"},
		{"/x", "block=1", "- status=403"},
		{"/dir", "", "/dir/ autoredirect"},
		{"/loop/x", "", "/loop/ status=500 cycle"},
		{"/brk/x", "", "/brk/ rewritten uri=/final/x"},
		{"/other", "", "/"},
	}
	for _, tt := range tests {
		budget := NewBudget()
		sel, req := f.selectFor(tt.uri, tt.args, &budget)
		got := "-"
		if sel.Location != nil {
			got = sel.Location.String()
		}
		if sel.AutoRedirect {
			got += " autoredirect"
		}
		if sel.Result.Status != 0 {
			got += " status=" + itoa(sel.Result.Status)
		}
		if sel.Result.HasBody && len(sel.Result.Body) > 0 {
			got += " body=" + string(sel.Result.Body)
		}
		if sel.Cycle {
			got += " cycle"
		}
		if sel.Result.URIRewritten {
			got += " rewritten uri=" + string(req.URI)
		}
		if got != tt.want {
			t.Errorf("%s?%s: got %q, want %q", tt.uri, tt.args, got, tt.want)
		}
	}
}

// TestLastLoopLimit checks nginx's budget: ten restarts are fine, the
// eleventh URI change ends the request with 500.
func TestLastLoopLimit(t *testing.T) {
	var conf strings.Builder
	// /s0 -> /s1 -> ... each a restart
	for i := 0; i < 12; i++ {
		conf.WriteString("location = /s" + itoa(i) + " { rewrite ^ /s" + itoa(i+1) + " last; }\n")
	}
	conf.WriteString("location = /s12 { return 200 done; }\n")
	f := newServerFixture(t, conf.String())
	for start, want := range map[int]int{0: 500, 1: 500, 2: 200, 3: 200, 12: 200} {
		budget := NewBudget()
		sel, req := f.selectFor("/s"+itoa(start), "", &budget)
		restarts := 12 - start
		if sel.Result.Status != want {
			t.Errorf("start /s%d (%d restarts): status %d at %s, want %d", start, restarts, sel.Result.Status, req.URI, want)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
