package proxy

import (
	"sliceproxy/proxy/access"
	"sliceproxy/proxy/auth"
	"sliceproxy/proxy/http1"
)

// accessSet is what the access phase consults: the location's own, or its
// limit_except block's for a method the block does not list.
type accessSet struct {
	rules      *access.Rules
	basic      *auth.Basic
	satisfyAny bool
}

// accessCode is nginx's r->access_code under "satisfy any": the refusal
// kept while the remaining access handlers get their chance.
type accessCode struct {
	status    int // 0, 403 or 401
	challenge []byte
}

// runAccessHandlers is ngx_http_core_access_phase and post_access over
// nginx's two access handlers, in nginx's order: allow/deny, then
// auth_basic. Each handler declines (no opinion), passes or refuses.
// Under "satisfy all" the first refusal answers at once; under "satisfy
// any" the first pass lets the request through and refusals are kept, a
// 401 winning over a 403, until the handlers are done. A failure of the
// handler itself (an unreadable user file) answers at once either way.
// It reports whether the request may go on.
func (st *reqState) runAccessHandlers() bool {
	set := st.accessSetFor()
	var code accessCode

	// ngx_http_access_module: NGX_DECLINED when no rule matches.
	if set.rules != nil {
		allowed, by := set.rules.Check(st.c.remote.Addr(), !st.c.remote.IsValid())
		switch {
		case by == nil:
		case allowed:
			if set.satisfyAny {
				return true
			}
		case !set.satisfyAny:
			return st.refuseAccess(accessCode{status: 403})
		default:
			code = accessCode{status: 403}
		}
	}

	if set.basic.Enabled() {
		authz, _ := st.req.Header.Get("Authorization")
		res := set.basic.Check(st.vr, authz)
		if res.LogMsg != "" {
			st.logError(res.LogLevel, res.LogMsg, "")
		}
		switch res.Outcome {
		case auth.Passed:
			if set.satisfyAny {
				return true
			}
		case auth.Refused:
			refusal := accessCode{status: 401, challenge: res.Challenge}
			if !set.satisfyAny {
				return st.refuseAccess(refusal)
			}
			code = refusal
		case auth.Failed:
			st.finalize(res.Status)
			return false
		}
	}

	// ngx_http_core_post_access_phase.
	if code.status != 0 {
		return st.refuseAccess(code)
	}
	return true
}

// refuseAccess answers a refusal: a 403 is logged as nginx logs it, a 401
// carries the WWW-Authenticate challenge (an error_page may still take
// over, as in nginx).
func (st *reqState) refuseAccess(code accessCode) bool {
	if code.status == 403 {
		st.logError(LevelError, "access forbidden by rule", "")
		st.finalize(403)
		return false
	}
	var extra http1.Header
	extra.Add(hWWWAuthenticate, code.challenge)
	st.finalizeWith(code.status, &extra)
	return false
}

// accessSetFor picks the configuration the access phase runs with:
// ngx_http_update_location_config switches the whole request to the
// limit_except block's configuration when the method is not one the block
// lists.
func (st *reqState) accessSetFor() accessSet {
	c := st.conf
	if le := c.limitExcept; le != nil && le.applies(st.req.Method) {
		return le.set
	}
	return accessSet{rules: c.access, basic: c.auth, satisfyAny: c.satisfyAny}
}
