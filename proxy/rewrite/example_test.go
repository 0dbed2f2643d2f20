package rewrite_test

import (
	"fmt"

	"sliceproxy/nginxconf"
	"sliceproxy/proxy/http1"
	"sliceproxy/proxy/rewrite"
	"sliceproxy/proxy/route"
	"sliceproxy/vars"
)

// Example shows the load-time and request-time steps the proxy core takes
// with route and rewrite for the servers of one listen address.
func Example() {
	conf := `http {
		server {
			listen 80;
			server_name example.com;
			rewrite ^/old/(.*)$ /new/$1;
			location /new/ { return 200 "new page $uri"; }
			location / { return 404; }
		}
	}`
	cfg, _ := nginxconf.ParseBytes("nginx.conf", []byte(conf), nginxconf.Options{})
	httpBody := cfg.Directives()[0].Body()
	reg := vars.NewRegistry(vars.RegistryOptions{})
	rewrite.DeclareSets(httpBody, reg) // set targets exist before anything compiles

	// Load: one ServerRouter per listen address, one Tree and Script per server.
	type location struct{ script *rewrite.Script[struct{}] }
	var cands []route.Candidate
	var trees []*route.Tree[location]
	var scripts []*rewrite.Script[struct{}]
	for _, srv := range httpBody {
		names, _ := route.CompileServerNames(srv.Body(), route.NameOptions{Registry: reg})
		cands = append(cands, route.Candidate{Server: len(cands), Names: names})
		tree, _ := route.Build[location](srv.Body(), route.BuildOptions{Registry: reg})
		for _, l := range tree.Locations() {
			l.Payload.script, _ = rewrite.Compile[struct{}](l.Directive.Body(), rewrite.LocationLevel, reg)
		}
		trees = append(trees, tree)
		s, _ := rewrite.Compile[struct{}](srv.Body(), rewrite.ServerLevel, reg)
		scripts = append(scripts, s)
	}
	router, _ := route.NewServerRouter("0.0.0.0:80", cands)

	// Request: select the server, then run the rewrite and find-config phases.
	req := reg.NewRequest()
	_ = req.SetClient(&http1.Request{Method: []byte("GET"), Target: []byte("/old/page"), Path: []byte("/old/page"),
		Proto: []byte("HTTP/1.1"), ProtoMajor: 1, ProtoMinor: 1, HostHeader: []byte("example.com"), ContentLength: -1})
	host, _ := vars.ValidateHost(nil, []byte("Example.COM:80"))
	s := router.Select(host, req)
	budget := rewrite.NewBudget()
	sel := rewrite.Select(req, rewrite.Env{}, scripts[s], trees[s],
		func(l *route.Location[location]) *rewrite.Script[struct{}] { return l.Payload.script }, &budget)
	fmt.Println(sel.Location, sel.Result.Status, string(sel.Result.Body))
	// Output: /new/ 200 new page /new/page
}
