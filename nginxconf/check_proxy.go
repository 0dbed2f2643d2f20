package nginxconf

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// proxyScope is the proxy configuration in effect at a level (http, server,
// location, if), inherited as nginx merges it: proxy_http_version is
// inherited unless the level sets it; the proxy_set_header list is
// inherited only when the level has no proxy_set_header at all.
type proxyScope struct {
	httpVersion string // "" means nginx's default, 1.0
	// connection is the proxy_set_header Connection in the effective header
	// list; nil means nginx's default "Connection: close".
	connection *Directive
}

// enter returns the scope of a level whose statements are list.
func (s proxyScope) enter(list []*Directive) proxyScope {
	ownHeaders := false
	eachStatement(list, func(d *Directive) {
		switch d.Name {
		case "proxy_http_version":
			if len(d.Args) == 1 {
				s.httpVersion = d.Args[0].Value
			}
		case "proxy_set_header":
			if !ownHeaders {
				// This level's list replaces the inherited one.
				ownHeaders, s.connection = true, nil
			}
			if len(d.Args) == 2 && strings.EqualFold(d.Args[0].Value, "connection") {
				s.connection = d
			}
		}
	})
	return s
}

// proxySite is one proxy_pass with the proxy settings in effect there.
type proxySite struct {
	d     *Directive
	scope proxyScope
}

// checkProxyTargets checks every proxy_pass once all upstreams are known:
// the URL's scheme, whether its host names an upstream or an address, and
// whether the upstream's keepalive can work with this location's settings.
func (c *checker) checkProxyTargets() {
	for _, site := range c.proxies {
		d := site.d
		if len(d.Args) != 1 {
			continue
		}
		raw := d.Args[0].Value
		scheme, rest, ok := strings.Cut(raw, "://")
		if !ok || (!strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https")) {
			if !strings.Contains(scheme, "$") {
				c.add(d.Args[0].Pos, SevError, CodeProxyPass, fmt.Sprintf("invalid URL prefix in %q", raw),
					`proxy_pass takes "http://" or "https://" followed by an upstream name or an address`)
			}
			continue
		}
		if strings.EqualFold(scheme, "https") {
			c.add(d.Args[0].Pos, SevWarning, CodeUnsupportedUse, "TLS to upstreams (proxy_pass https://) is not implemented",
				"the upstream is reached over plain HTTP; terminate TLS elsewhere or use http://")
		}
		host := rest
		if i := strings.IndexByte(host, '/'); i >= 0 && !strings.HasPrefix(host, "unix:") {
			host = host[:i]
		}
		if strings.Contains(host, "$") || strings.HasPrefix(host, "unix:") {
			continue // resolved per request, or a socket path
		}
		if up, ok := c.upstreams[strings.ToLower(host)]; ok {
			c.checkKeepaliveUse(site, up)
			continue
		}
		if !looksLikeAddress(host) {
			c.add(d.Args[0].Pos, SevWarning, CodeProxyPass,
				fmt.Sprintf("no upstream %q and it is not an address", host),
				c.upstreamHint(host))
		}
	}
}

// looksLikeAddress reports whether host (maybe with a port) is an IP
// address, localhost, a dotted host name, or carries a port: something
// nginx resolves itself rather than a misspelt upstream name.
func looksLikeAddress(host string) bool {
	name := host
	if strings.HasPrefix(name, "[") {
		return true // [IPv6]:port
	}
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		return true // host:port makes an implicit upstream
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return true
	}
	return strings.EqualFold(name, "localhost") || strings.Contains(name, ".")
}

func (c *checker) upstreamHint(host string) string {
	names := make([]string, 0, len(c.upstreams))
	for _, u := range c.upstreams {
		names = append(names, u.name)
	}
	sort.Strings(names)
	if best := closest(host, names); best != "" {
		return fmt.Sprintf("did you mean upstream %q? (nginx would look %q up in DNS at startup)", best, host)
	}
	return fmt.Sprintf("nginx would look %q up in DNS at startup and fail with \"host not found in upstream\" if it does not resolve", host)
}

// checkKeepaliveUse reports a location whose proxy settings make the
// upstream's keepalive do nothing: nginx only keeps an upstream connection
// when the request was HTTP/1.1 and did not ask the upstream to close.
func (c *checker) checkKeepaliveUse(site proxySite, up *upstreamFacts) {
	if up.keepalive == nil {
		return
	}
	d := site.d
	var reasons, hints []string
	if site.scope.httpVersion != "1.1" {
		reasons = append(reasons, "requests go out as HTTP/1.0")
		hints = append(hints, `add "proxy_http_version 1.1;" to this location, its server or http`)
	}
	conn := site.scope.connection
	switch {
	case conn == nil:
		reasons = append(reasons, `requests carry "Connection: close" (nginx's default)`)
		hints = append(hints, `add "proxy_set_header Connection \"\";" (a level with any proxy_set_header replaces the inherited ones)`)
	case strings.EqualFold(strings.TrimSpace(conn.Args[1].Value), "close"):
		reasons = append(reasons, `requests carry "Connection: close"`)
		hints = append(hints, "Connection is set at "+conn.Pos.String())
	case strings.Contains(conn.Args[1].Value, "$") && len(reasons) == 0:
		c.add(d.Pos, SevInfo, CodeKeepaliveUnused,
			fmt.Sprintf("keepalive of upstream %q only works here for requests where %q is empty", up.name, conn.Args[1].Value),
			"the Connection header is set from a variable at "+conn.Pos.String()+"; when it says close, the connection is not kept")
	}
	if len(reasons) > 0 {
		c.add(d.Pos, SevWarning, CodeKeepaliveUnused,
			fmt.Sprintf("keepalive of upstream %q does nothing here: %s", up.name, strings.Join(reasons, " and ")),
			strings.Join(hints, "; "))
	}
}

// proxyPassURI reports a proxy_pass URL with a URI part where nginx cannot
// replace the matched location prefix with it: in a regex or named
// location, inside "if" or inside "limit_except" (ngx_http_proxy_pass).
// URLs with variables are exempt, as in nginx.
func (c *checker) proxyPassURI(d *Directive, ctx Context) {
	raw := d.Args[0].Value
	if strings.Contains(raw, "$") {
		return
	}
	_, rest, ok := strings.Cut(raw, "://")
	if !ok || !hasURIPart(rest) {
		return
	}
	inRegexOrNamed := false
	if n := len(c.locations); n > 0 {
		inRegexOrNamed = c.locations[n-1].regex || c.locations[n-1].named
	}
	if inRegexOrNamed || ctx&(CtxIf|CtxLimitExcept) != 0 {
		c.add(d.Pos, SevError, CodeProxyPass, `"proxy_pass" cannot have URI part in location given by regular expression, `+
			`or inside named location, or inside "if" statement, or inside "limit_except" block`,
			"drop the URI part (even a lone \"/\") and rewrite the URI with \"rewrite ... break\" instead")
	}
}

// hasURIPart reports whether the part of a proxy_pass URL after "scheme://"
// has a URI: anything from the first "/" after the host, or after the
// socket path of "unix:/path:/uri".
func hasURIPart(rest string) bool {
	if path, ok := strings.CutPrefix(rest, "unix:"); ok {
		_, uri, found := strings.Cut(path, ":")
		return found && uri != ""
	}
	return strings.Contains(rest, "/")
}
