package route

import (
	"fmt"

	"sliceproxy/nginxconf"
	"sliceproxy/vars"
)

// Kind is a location's match type, from its modifier.
type Kind uint8

const (
	// Prefix is "location /p": the longest matching prefix wins, then
	// regexes are still tried.
	Prefix Kind = iota
	// PrefixNoRegex is "location ^~ /p": when it is the longest prefix, no
	// regex is tried.
	PrefixNoRegex
	// Exact is "location = /p": matches only that URI and ends the search.
	Exact
	// Regex is "location ~ re" (case-sensitive).
	Regex
	// RegexCaseless is "location ~* re".
	RegexCaseless
	// Named is "location @name", reachable only by internal redirects.
	Named
)

func (k Kind) String() string {
	switch k {
	case Prefix:
		return ""
	case PrefixNoRegex:
		return "^~"
	case Exact:
		return "="
	case Regex:
		return "~"
	case RegexCaseless:
		return "~*"
	case Named:
		return "@"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

func (k Kind) isRegex() bool { return k == Regex || k == RegexCaseless }

// Location is one location block. Everything but Payload is set by Build
// and read-only afterwards.
type Location[T any] struct {
	Kind Kind
	// Name is the location's name without its modifier: the prefix or exact
	// URI, the regex source, or "@name" for named locations (as nginx keeps
	// it, with the "@").
	Name string
	// Directive is the location block in the configuration.
	Directive *nginxconf.Directive
	Parent    *Location[T]
	// Nested are the locations written inside this one, in configuration
	// order.
	Nested []*Location[T]
	// AutoRedirect is nginx's auto_redirect: the name ends in "/" and the
	// location's own handler is proxy_pass, fastcgi_pass, uwsgi_pass,
	// scgi_pass, memcached_pass or grpc_pass. A request for the name
	// without its trailing slash then gets a 301 to it.
	AutoRedirect bool
	// Internal is set by the "internal" directive: external requests that
	// select this location get 404.
	Internal bool
	// Payload is the caller's per-location configuration.
	Payload T

	re *pattern
	// level holds this location's nested locations, searchable.
	level level[T]
}

// String renders the location as written: "= /x", "~* \.php$", "/p".
func (l *Location[T]) String() string {
	switch l.Kind {
	case Prefix, Named:
		return l.Name
	}
	return l.Kind.String() + " " + l.Name
}

// level is the searchable form of the locations written at one nesting
// level: the static tree of exact and prefix names, and the regexes in
// configuration order.
type level[T any] struct {
	static  *treeNode[T]
	regexes []*Location[T]
}

// Tree holds a server's locations. It is immutable after Build (Payloads
// aside, which the caller fills before serving) and safe for concurrent
// lookups.
type Tree[T any] struct {
	top   level[T]
	named map[string]*Location[T]
	all   []*Location[T]
}

// Match is the outcome of a location search.
type Match[T any] struct {
	// Location is the selected location, nil when none matched: the
	// server-level configuration applies then.
	Location *Location[T]
	// Redirect asks for nginx's 301 to the URI with a "/" appended (query
	// string kept). Location is the location that asked for it.
	Redirect bool
}

// Find selects the location for uri (the normalised URI, $uri), as
// ngx_http_core_find_location does. Regex captures of the selected regex
// location are stored in req, which may be nil.
func (t *Tree[T]) Find(uri []byte, req *vars.Request) Match[T] {
	var m Match[T]
	if t != nil {
		t.top.find(uri, req, &m)
	}
	return m
}

// findResult mirrors nginx's return codes of the location search.
type findResult uint8

const (
	declined  findResult = iota // nothing matched at this level
	inclusive                   // a prefix matched; regexes may still win (NGX_AGAIN)
	matched                     // exact or regex match: final (NGX_OK)
	redirect                    // auto redirect (NGX_DONE)
)

func (lv *level[T]) find(uri []byte, req *vars.Request, m *Match[T]) findResult {
	rc := lv.findStatic(uri, m)
	noregex := false
	if rc == inclusive {
		noregex = m.Location.Kind == PrefixNoRegex
		rc = m.Location.level.find(uri, req, m)
		if rc == declined {
			// The nested search found nothing; the prefix match of this
			// level stands (nginx keeps r->loc_conf and returns NGX_AGAIN
			// or NGX_DECLINED, which its callers treat alike).
			rc = inclusive
		}
	}
	if rc == matched || rc == redirect || noregex {
		return rc
	}
	for _, loc := range lv.regexes {
		if !loc.re.match(req, uri) {
			continue
		}
		m.Location, m.Redirect = loc, false
		loc.level.find(uri, req, m)
		return matched
	}
	return rc
}

// findStatic walks the static tree exactly as
// ngx_http_core_find_static_location does.
func (lv *level[T]) findStatic(uri []byte, m *Match[T]) findResult {
	node := lv.static
	rv := declined
	for node != nil {
		n := min(len(uri), len(node.name))
		if c := filenameCmp(uri, node.name, n); c != 0 {
			if c < 0 {
				node = node.left
			} else {
				node = node.right
			}
			continue
		}
		if len(uri) > len(node.name) {
			if node.inclusive != nil {
				m.Location, m.Redirect = node.inclusive, false
				rv = inclusive
				uri = uri[n:]
				node = node.tree
				continue
			}
			// exact only
			node = node.right
			continue
		}
		if len(uri) == len(node.name) {
			if node.exact != nil {
				m.Location, m.Redirect = node.exact, false
				return matched
			}
			// A prefix location named exactly like the URI is still
			// only a prefix match: nested locations and regexes come next.
			m.Location, m.Redirect = node.inclusive, false
			return inclusive
		}
		// len(uri) < len(node.name)
		if len(uri)+1 == len(node.name) && node.autoRedirect {
			m.Location, m.Redirect = node.either(), true
			rv = redirect
		}
		node = node.left
	}
	return rv
}

// Named returns the named location "@name" (name with its "@"), or nil.
func (t *Tree[T]) Named(name string) *Location[T] {
	if t == nil {
		return nil
	}
	return t.named[name]
}

// Locations lists every location, parents before their nested ones, in
// configuration order: the order to fill Payloads in so a nested location
// can inherit from its parent's.
func (t *Tree[T]) Locations() []*Location[T] {
	if t == nil {
		return nil
	}
	return t.all
}

// filenameCmp is nginx's ngx_filename_cmp on a case-sensitive file system:
// bytes compare as unsigned values except that '/' sorts before every other
// byte but NUL, and a NUL ends the comparison.
func filenameCmp[A, B ~string | ~[]byte](a A, b B, n int) int {
	for i := 0; i < n; i++ {
		c1, c2 := int(a[i]), int(b[i])
		if c1 == c2 {
			if c1 == 0 {
				return 0
			}
			continue
		}
		if c1 == 0 || c2 == 0 {
			return c1 - c2
		}
		if c1 == '/' {
			c1 = 0
		}
		if c2 == '/' {
			c2 = 0
		}
		return c1 - c2
	}
	return 0
}
