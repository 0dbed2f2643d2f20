package proxy

import (
	"path/filepath"
	"strings"

	"sliceproxy/nginxconf"
	"sliceproxy/proxy/access"
	"sliceproxy/proxy/auth"
)

// limitExcept is a location's "limit_except METHOD ... { }" block.
type limitExcept struct {
	// allowed are the listed methods (GET adds HEAD); every other method,
	// including ones nginx does not know, runs the access phase with set.
	allowed methodSet
	set     accessSet
}

// methodSet is a set of the methods limit_except can name.
type methodSet uint16

// limitExceptMethods are the names nginx's ngx_methods_names accepts in
// limit_except, matched case-insensitively.
var limitExceptMethods = [...]string{
	"GET", "HEAD", "POST", "PUT", "DELETE", "MKCOL", "COPY", "MOVE",
	"OPTIONS", "PROPFIND", "PROPPATCH", "LOCK", "UNLOCK", "PATCH",
}

// methodBit returns the bit of a method name (exact case, as nginx parses
// request methods), or 0 for a method limit_except cannot name.
func methodBit(m []byte) methodSet {
	for i, name := range limitExceptMethods {
		if string(m) == name {
			return 1 << i
		}
	}
	return 0
}

// applies reports whether a request with this method runs with the
// block's configuration. An unknown method always does: nginx's
// NGX_HTTP_UNKNOWN bit is never cleared from the mask.
func (le *limitExcept) applies(method []byte) bool {
	b := methodBit(method)
	return b == 0 || le.allowed&b == 0
}

// limitExceptAllowedInside are the directives sliceproxy applies inside
// limit_except. nginx also accepts proxy_pass (a different handler for the
// other methods), access_log and a few others there; those are refused
// with an error rather than silently ignored, since ignoring them changes
// who gets what.
var limitExceptAllowedInside = map[string]bool{
	"allow": true, "deny": true, "auth_basic": true, "auth_basic_user_file": true,
}

// s1AccessLevel applies one level's access-phase settings on top of what
// conf inherited: satisfy, auth_basic and auth_basic_user_file, then the
// limit_except block of a location (built from the location's merged
// access settings, as nginx merges the block's configuration as a child of
// its location). allow/deny were applied by accessRules just before.
func (l *loader) s1AccessLevel(conf *locConf, body []*nginxconf.Directive) {
	for _, d := range body {
		if d.Name == "satisfy" && len(d.Args) == 1 {
			switch d.Args[0].Value {
			case "any":
				conf.satisfyAny = true
			case "all":
				conf.satisfyAny = false
			}
		}
	}
	basic, diags := auth.Merge(conf.auth, body, l.reg, l.authOptions())
	l.add(diags)
	conf.auth = basic

	seen := false
	for _, d := range body {
		if d.Name != "limit_except" || !d.IsBlock {
			continue
		}
		if seen {
			l.errorf(d.Pos, "duplicate", "\"limit_except\" directive is duplicate")
			continue
		}
		seen = true
		if le := l.limitExcept(conf, d); le != nil {
			conf.limitExcept = le
		}
	}
}

// limitExcept compiles one limit_except block; nil after an error.
func (l *loader) limitExcept(conf *locConf, d *nginxconf.Directive) *limitExcept {
	le := &limitExcept{}
	for _, a := range d.Args {
		found := false
		for i, name := range limitExceptMethods {
			if strings.EqualFold(a.Value, name) {
				le.allowed |= 1 << i
				found = true
				break
			}
		}
		if !found {
			l.errorf(a.Pos, "limit-except", "invalid method \"%s\"", a.Value)
			return nil
		}
	}
	if le.allowed&methodBit([]byte("GET")) != 0 {
		le.allowed |= methodBit([]byte("HEAD"))
	}
	body := d.Body()
	ok := true
	for _, x := range body {
		if !limitExceptAllowedInside[x.Name] {
			l.errorf(x.Pos, "limit-except", "\"%s\" is not supported inside limit_except by sliceproxy (only allow, deny, auth_basic and auth_basic_user_file are)", x.Name)
			ok = false
		}
	}
	if !ok {
		return nil
	}
	le.set = accessSet{rules: conf.access, basic: conf.auth, satisfyAny: conf.satisfyAny}
	rules, diags := access.Compile(body)
	l.add(diags)
	if rules != nil {
		le.set.rules = rules
	}
	basic, diags := auth.Merge(conf.auth, body, l.reg, l.authOptions())
	l.add(diags)
	le.set.basic = basic
	return le
}

// authOptions are the auth_basic settings of this load: the configuration
// directory and the Runtime's user file cache.
func (l *loader) authOptions() auth.Options {
	if l.authFiles == nil {
		l.authFiles = auth.NewFileCache()
	}
	dir := ""
	if l.cfg != nil && l.cfg.Main != nil && l.cfg.Main.Path != "" {
		dir = filepath.Dir(l.cfg.Main.Path)
	}
	return auth.Options{ConfDir: dir, Files: l.authFiles}
}

// limitedMethod reports whether the location's limit_except restricts the
// request's method. nginx then runs the request with the limit_except
// block's configuration (ngx_http_update_location_config), which has no
// rewrite script of its own: the location's return/rewrite/set/if are
// skipped and only the block's access rules decide.
func (st *reqState) limitedMethod() bool {
	return st.conf != nil && st.conf.limitExcept != nil && st.conf.limitExcept.applies(st.req.Method)
}
