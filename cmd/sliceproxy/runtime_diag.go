package main

import "sliceproxy/nginxconf"

// runtimeDiagnostics returns what the runtime loaders (variables, maps,
// regexes, upstreams, routes) find in cfg, so that lint, migrate and -t
// report what the server would refuse or warn about at startup. It is the
// one place the CLI asks them; nil until the loaders are wired in.
func runtimeDiagnostics(*nginxconf.Config) []nginxconf.Diagnostic {
	return nil
}
