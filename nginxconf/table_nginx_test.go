package nginxconf

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// contextTemplates put one statement into each context nginx -t can be
// asked about with the Debian build's static modules.
var contextTemplates = []struct {
	ctx  Context
	text string
}{
	{CtxMain, "%s\nevents {}\n"},
	{CtxEvents, "events { %s }\n"},
	{CtxHTTP, "events {} http { %s }\n"},
	{CtxServer, "events {} http { server { %s } }\n"},
	{CtxLocation, "events {} http { server { location / { %s } } }\n"},
	{CtxIf, "events {} http { server { location / { if ($a) { %s } } } }\n"},
	{CtxSif, "events {} http { server { if ($a) { %s } } }\n"},
	{CtxUpstream, "events {} http { upstream u { server 127.0.0.1:1; %s } }\n"},
	{CtxLimitExcept, "events {} http { server { location / { limit_except GET { %s } } } }\n"},
}

// modulesNotInDebianNginx are table modules the Debian nginx binary cannot
// load statically (dynamic modules, NGINX Plus, newer releases).
var modulesNotInDebianNginx = map[string]bool{
	"stream": true, "mail": true, "http_plus": true, "http_upstream_plus": true, "http_geoip": true,
	"http_image_filter": true, "http_perl": true, "http_xslt": true, "http_js": true, "http_v3": true,
}

// TestTableContextsAgainstNginx asks the real nginx whether each nginx
// directive of the table is allowed in the first context the table allows
// and refused in one it does not, so the table's contexts follow nginx's.
// Directives this nginx does not know (newer releases) are skipped.
func TestTableContextsAgainstNginx(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nginx -t about a thousand times")
	}
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		t.Skip("nginx not installed (Debian package nginx); skipping the comparison of contexts")
	}
	type probe struct {
		spec  *Spec
		ctx   Context
		allow bool
	}
	var probes []probe
	for _, s := range Specs() {
		if s.Origin != originNginx || modulesNotInDebianNginx[s.Module] || s.Name == "include" {
			continue
		}
		var in, out Context
		for _, tpl := range contextTemplates {
			_, allowed := LookupIn(s.Name, tpl.ctx)
			switch {
			case s.AllowedIn(tpl.ctx) && in == 0:
				in = tpl.ctx
			case !allowed && out == 0:
				out = tpl.ctx
			}
		}
		if in != 0 {
			probes = append(probes, probe{s, in, true})
		}
		if out != 0 && in != 0 {
			probes = append(probes, probe{s, out, false})
		}
	}
	dir := t.TempDir()
	var mu sync.Mutex
	unknown := map[string]bool{}
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			wdir := filepath.Join(dir, fmt.Sprint(w))
			if err := os.MkdirAll(wdir, 0o755); err != nil {
				t.Error(err)
				return
			}
			for i := range work {
				p := probes[i]
				out := runNginxProbe(t, nginx, wdir, p.spec, p.ctx)
				switch {
				case strings.Contains(out, "unknown directive"):
					mu.Lock()
					unknown[p.spec.Name] = true
					mu.Unlock()
				case strings.Contains(out, "is not allowed here") == p.allow:
					t.Errorf("%s in %s: table says allowed=%v, nginx -t says: %s", p.spec.Name, p.ctx, p.allow, out)
				}
			}
		}(w)
	}
	for i := range probes {
		work <- i
	}
	close(work)
	wg.Wait()
	names := make([]string, 0, len(unknown))
	for n := range unknown {
		names = append(names, n)
	}
	sort.Strings(names)
	t.Logf("%d probes; directives this nginx does not know: %s", len(probes), strings.Join(names, " "))
}

// runNginxProbe writes one directive in ctx and returns nginx -t's output.
func runNginxProbe(t *testing.T, nginx, dir string, s *Spec, ctx Context) string {
	stmt := s.Name
	if !s.Args.Accepts(0) {
		n := 1
		for !s.Args.Accepts(n) && n < 8 {
			n++
		}
		stmt += strings.Repeat(" x", n)
	}
	if s.Block {
		stmt += " {}"
	} else {
		stmt += ";"
	}
	var text string
	for _, tpl := range contextTemplates {
		if tpl.ctx == ctx {
			text = fmt.Sprintf(tpl.text, stmt)
		}
	}
	conf := filepath.Join(dir, "t.conf")
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command(nginx, "-t", "-q", "-p", dir+"/", "-c", conf, "-g", "pid "+filepath.Join(dir, "x.pid")+";").CombinedOutput()
	return string(out)
}
