package proxy

import (
	"sliceproxy/proxy/http1"
	"sliceproxy/proxy/route"
)

// nginx parses each request header line with the underscores_in_headers and
// ignore_invalid_headers of the request's current server: the default server
// of the address until the host selects another (the first Host line, or an
// absolute URI in the request line), then the selected one for the lines
// after it (ngx_http_process_request_headers re-reads the server conf for
// every line; ngx_http_process_host -> ngx_http_set_virtual_server switches
// it). The Reader starts with the default server's rules (readerOptions) and
// asks hostHeaderRules once it has the host.

// hostHeaderRules is the http1.HostRules of one listen address. It is built
// with the runtime and immutable, so connections share it.
type hostHeaderRules struct {
	servers *route.ServerRouter
	// rules is indexed by server index (Runtime.servers); def is the default
	// server's, for an index out of range.
	rules []http1.HeaderRules
	def   http1.HeaderRules
}

// headerRules are the server's underscores_in_headers and
// ignore_invalid_headers.
func (s *serverConf) headerRules() http1.HeaderRules {
	return http1.HeaderRules{UnderscoresInHeaders: s.headerBufs.underscores, KeepInvalidHeaders: s.headerBufs.keepInvalid}
}

// newHostHeaderRules returns the rules of an address whose servers are
// candidates, or nil when all of them parse headers like its default server
// (then the Reader need not ask: the common case, with the directives at http
// level).
func newHostHeaderRules(servers []*serverConf, router *route.ServerRouter, candidates []route.Candidate) *hostHeaderRules {
	d := router.Default()
	if d < 0 || d >= len(servers) {
		return nil
	}
	def := servers[d].headerRules()
	differs := false
	for _, c := range candidates {
		if c.Server >= 0 && c.Server < len(servers) && servers[c.Server].headerRules() != def {
			differs = true
			break
		}
	}
	if !differs {
		return nil
	}
	h := &hostHeaderRules{servers: router, rules: make([]http1.HeaderRules, len(servers)), def: def}
	for i, s := range servers {
		h.rules[i] = s.headerRules()
	}
	return h
}

// RulesForHost implements http1.HostRules with the server selection of
// reqState.serve (no regex captures are kept: serve selects again).
func (h *hostHeaderRules) RulesForHost(host []byte) http1.HeaderRules {
	i := h.servers.Select(host, nil)
	if i < 0 || i >= len(h.rules) {
		return h.def
	}
	return h.rules[i]
}

// readerHostRules is the Reader's Options.HostRules for connections to the
// address: nil (not a nil pointer in an interface) when there is nothing to
// switch.
func (s *socketConf) readerHostRules() http1.HostRules {
	if s.hostRules == nil {
		return nil
	}
	return s.hostRules
}
