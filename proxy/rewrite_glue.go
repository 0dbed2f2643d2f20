package proxy

import (
	"sliceproxy/nginxconf"
	"sliceproxy/proxy/rewrite"
	"sliceproxy/proxy/static"
)

// rewriteScript is a compiled server or location rewrite script; an if
// block's payload is its merged configuration (nginx builds an if block as
// a nameless nested location).
type rewriteScript = rewrite.Script[*locConf]

// compileRewrite compiles the rewrite directives of a server or location
// block and builds the configuration of each if block on top of parent;
// nil when the block has none.
func (l *loader) compileRewrite(body []*nginxconf.Directive, lvl level, parent *locConf, lc *locationConf) *rewriteScript {
	rl := rewrite.LocationLevel
	if lvl == levelServer {
		rl = rewrite.ServerLevel
	}
	s, diags := rewrite.Compile[*locConf](body, rl, l.reg)
	l.add(diags)
	if s == nil {
		return nil
	}
	for _, ifb := range s.Ifs() {
		if ifb.InServer {
			continue
		}
		l.ifConf(ifb, parent, lc)
	}
	return s
}

// ifConf builds the configuration of an if block inside a location: a copy
// of the location's that keeps its proxy_pass (nginx's "noname" locations
// inherit it) with the if block's own directives applied.
func (l *loader) ifConf(ifb *rewrite.If[*locConf], parent *locConf, lc *locationConf) {
	body := ifb.Directive.Body()
	conf := parent.child()
	conf.proxy = parent.proxy
	l.applyLevel(conf, body, levelIf, lc)
	var diags []nginxconf.Diagnostic
	lvl := static.Level{Directives: body}
	if lc != nil {
		lvl.Location, lvl.Regex, lvl.Named = lc.prefix, lc.regex, lc.named
	}
	conf.static, diags = l.statics.Merge(parent.static, lvl)
	l.add(diags)
	conf.accessLog, diags = l.logs.Merge(parent.accessLog, body)
	l.add(diags)
	l.errorPages(conf, body)
	l.finishLoc(conf)
	ifb.Payload = conf
}

// runRewrite runs a script on the current request and acts on its result.
// It reports true when the request was answered (return, redirect, 500);
// restart is set when location search must run again.
func (st *reqState) runRewrite(s *rewriteScript) (answered, restart bool) {
	res := s.Run(st.vr, rewrite.Env{})
	if res.If != nil && res.If.Payload != nil {
		st.conf = res.If.Payload
		st.setDocumentRoot()
	}
	if res.URIRewritten || res.Restart {
		// A URI the rewrite directive changed makes the request internal
		// (ngx_http_script_regex_end_code): "internal" locations accept it.
		st.isInternal = true
	}
	if res.URIRewritten {
		st.uriChanged = true
		st.validLocation = false
	}
	if res.Status != 0 {
		st.respondRewrite(&res)
		return true, false
	}
	if res.Restart {
		st.uriChanged = true
		return false, true
	}
	return false, false
}

// respondRewrite answers "return" or a redirecting rewrite.
func (st *reqState) respondRewrite(res *rewrite.Result[*locConf]) {
	switch {
	case res.Status == 444:
		st.finalize(444)
	case res.Location != "":
		st.redirect(res.Status, []byte(res.Location))
	case res.HasBody:
		if !st.body.done && !st.discardBody() {
			st.keepAlive = false
		}
		st.sendResponse(res.Status, st.contentType(), res.Body, nil)
	default:
		st.finalize(res.Status)
	}
}
