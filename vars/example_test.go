package vars_test

import (
	"fmt"
	"net/netip"

	"sliceproxy/nginxconf"
	"sliceproxy/proxy/http1"
	"sliceproxy/vars"
)

// Example shows the life of the package in the proxy: build a registry at
// load, compile templates once, then per request fill the facts and evaluate
// into a reused buffer.
func Example() {
	cfg, _ := nginxconf.ParseBytes("nginx.conf", []byte(`http {
    map $host $pool {
        hostnames;
        default   main;
        .a.test   pool_a;
    }
}`), nginxconf.Options{SingleFile: true})
	reg := vars.NewRegistry(vars.RegistryOptions{})
	if diags := reg.LoadMaps(cfg.Directives()[0].Body()); len(diags) > 0 {
		fmt.Println(diags)
		return
	}
	key, err := reg.Compile("$host:$server_port/$pool", nginxconf.Pos{File: "nginx.conf", Line: 9})
	if err != nil {
		fmt.Println(err)
		return
	}

	req := reg.NewRequest() // one per connection, Reset between requests
	client := &http1.Request{Method: []byte("GET"), Target: []byte("/"), Path: []byte("/"),
		HostHeader: []byte("WWW.A.test:8080"), ContentLength: -1}
	client.Header.Add([]byte("Host"), client.HostHeader)
	req.Reset()
	req.LocalAddr = netip.MustParseAddrPort("127.0.0.1:8080")
	if err := req.SetClient(client); err != nil {
		fmt.Println("400:", err)
		return
	}
	var buf []byte
	buf = key.Eval(req, buf[:0])
	fmt.Println(string(buf))
	// Output: www.a.test:8080/pool_a
}
