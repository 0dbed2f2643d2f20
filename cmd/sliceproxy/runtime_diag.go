package main

import (
	"sliceproxy/nginxconf"
	"sliceproxy/proxy"
)

// runtimeDiagnostics returns what the runtime loaders (variables, maps,
// regexes, upstreams, routes, logs) find in cfg, so that lint, migrate and
// -t report exactly what the server would refuse or warn about at startup:
// they run the same proxy.Load the server runs, without opening log files
// or binding sockets, and throw the result away.
func runtimeDiagnostics(cfg *nginxconf.Config) []nginxconf.Diagnostic {
	if cfg == nil || cfg.Main == nil {
		return nil
	}
	rt, diags := proxy.Load(cfg, proxy.LoadOptions{NoOpenLogs: true})
	if rt != nil {
		rt.Close()
	}
	return diags
}
