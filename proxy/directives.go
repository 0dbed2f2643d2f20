package proxy

import (
	"strings"
	"time"

	"sliceproxy/nginxconf"
)

// level is where a directive list sits.
type level uint8

const (
	levelHTTP level = iota
	levelServer
	levelLocation
	levelIf
)

// appliedElsewhere lists the directives other packages apply (or that are
// blocks/structure handled above); applyLevel skips them.
var appliedElsewhere = map[string]bool{
	// structure and this package's own passes
	"server": true, "location": true, "listen": true, "server_name": true,
	"upstream": true, "include": true, "client_header_timeout": true,
	"large_client_header_buffers": true, "underscores_in_headers": true,
	"ignore_invalid_headers": true, "ssl_certificate": true,
	"ssl_certificate_key": true, "ssl_protocols": true, "ssl_ciphers": true,
	"ssl_prefer_server_ciphers": true, "ssl": true, "http2": true,
	// vars
	"map": true,
	// rewrite
	"set": true, "if": true, "rewrite": true, "return": true, "break": true,
	"rewrite_log": true, "uninitialized_variable_warn": true,
	// static
	"root": true, "alias": true, "index": true, "try_files": true, "types": true,
	"expires": true, "add_header": true, "etag": true,
	"if_modified_since": true, "max_ranges": true, "log_not_found": true,
	"disable_symlinks": true, "autoindex": true,
	// access (loader.accessRules, s1AccessLevel)
	"allow": true, "deny": true, "satisfy": true, "auth_basic": true,
	"auth_basic_user_file": true,
	// accesslog
	"error_page": true,
	"access_log": true, "log_format": true, "open_log_file_cache": true, "error_log": true,
}

// applyLevel applies the directives of one level to conf (a copy of the
// parent level). lc is the location being built (nil above locations).
func (l *loader) applyLevel(conf *locConf, body []*nginxconf.Directive, lvl level, lc *locationConf) {
	for _, d := range body {
		if d.IsBlock && d.Name != "if" {
			continue
		}
		l.applyDirective(conf, d, lvl, lc)
	}
}

func (l *loader) applyDirective(conf *locConf, d *nginxconf.Directive, lvl level, lc *locationConf) {
	args := d.Args
	arg := func(i int) string {
		if i < len(args) {
			return args[i].Value
		}
		return ""
	}
	switch d.Name {
	case "client_max_body_size":
		if n, err := nginxconf.ParseOffset(arg(0)); err == nil {
			conf.clientMaxBodySize = n
		} else {
			l.errorf(d.Pos, "value", "\"client_max_body_size\" directive invalid value")
		}
	case "client_body_timeout":
		conf.clientBodyTimeout = l.duration(d, conf.clientBodyTimeout)
	case "send_timeout":
		conf.sendTimeout = l.duration(d, conf.sendTimeout)
	case "keepalive_timeout":
		conf.keepaliveTimeout = l.duration(d, conf.keepaliveTimeout)
		conf.keepaliveHeader = 0
		if len(args) == 2 {
			v, err := nginxconf.ParseSec(arg(1))
			if err != nil {
				l.errorf(d.Pos, "value", "invalid value \"%s\" in \"keepalive_timeout\" directive", arg(1))
				return
			}
			conf.keepaliveHeader = v
		}
	case "keepalive_requests":
		conf.keepaliveRequests = l.integer(d, conf.keepaliveRequests)
	case "absolute_redirect":
		conf.absoluteRedirect = l.flag(d, conf.absoluteRedirect)
	case "server_name_in_redirect":
		conf.serverNameInRedirect = l.flag(d, conf.serverNameInRedirect)
	case "port_in_redirect":
		conf.portInRedirect = l.flag(d, conf.portInRedirect)
	case "server_tokens":
		// "build" adds nginx's build name, which sliceproxy does not have:
		// it shows the version, as "on" does.
		conf.serverTokens = !strings.EqualFold(d.Args[0].Value, "off")
	case "default_type":
		conf.defaultType = arg(0)

	case "proxy_pass":
		if lvl != levelLocation && lvl != levelIf {
			l.errorf(d.Pos, "context", "\"proxy_pass\" directive is not allowed here")
			return
		}
		if len(args) != 1 {
			return
		}
		loc := lc
		if lvl == levelIf {
			// proxy_pass inside "if" takes no URI part; it sees the
			// enclosing location as a regex-like one.
			loc = &locationConf{regex: true}
		}
		pp, err := compileProxyPass(d, l.reg, l.set, loc)
		if err != nil {
			if diag, ok := err.(nginxconf.Diagnostic); ok {
				l.diags = append(l.diags, diag)
			} else {
				l.errorf(d.Pos, "proxy_pass", "%v", err)
			}
			return
		}
		conf.proxy = pp
	case "proxy_set_header":
		if len(args) != 2 {
			return
		}
		if !conf.setHeadersOwn {
			conf.setHeaders = nil
			conf.setHeadersOwn = true
		}
		h := headerTemplate{name: arg(0), empty: arg(1) == ""}
		if !h.empty {
			h.value = l.compile(arg(1), args[1].Pos)
			if h.value == nil {
				return
			}
		}
		conf.setHeaders = append(conf.setHeaders, h)
	case "proxy_http_version":
		conf.httpVersion11 = arg(0) == "1.1"
	case "proxy_pass_request_headers":
		conf.passReqHeaders = l.flag(d, conf.passReqHeaders)
	case "proxy_pass_request_body":
		conf.passReqBody = l.flag(d, conf.passReqBody)
	case "proxy_hide_header":
		if !conf.hideHeadersOwn {
			conf.hideHeaders = nil
			conf.hideHeadersOwn = true
		}
		conf.hideHeaders = append(conf.hideHeaders, arg(0))
	case "proxy_pass_header":
		if !conf.passHeadersOwn {
			conf.passHeaders = nil
			conf.passHeadersOwn = true
		}
		conf.passHeaders = append(conf.passHeaders, arg(0))
	case "proxy_redirect":
		l.proxyRedirect(conf, d)
	case "proxy_connect_timeout":
		conf.connectTimeout = l.duration(d, conf.connectTimeout)
	case "proxy_socket_keepalive":
		conf.socketKeepalive = l.flag(d, conf.socketKeepalive)
	case "proxy_send_timeout":
		conf.upstreamSendTO = l.duration(d, conf.upstreamSendTO)
	case "proxy_read_timeout":
		conf.readTimeout = l.duration(d, conf.readTimeout)
	case "proxy_next_upstream":
		if m, ok := l.bitmask(d, nextUpstreamWords); ok {
			if m&nextOff != 0 {
				// nginx's merge: "off" wins over any word written with it.
				m = nextOff
			}
			conf.nextUpstream = m
		}
	case "proxy_next_upstream_tries":
		conf.nextTries = l.integer(d, conf.nextTries)
	case "proxy_next_upstream_timeout":
		conf.nextTimeout = l.duration(d, conf.nextTimeout)
	case "proxy_buffer_size":
		// Responses stream, so this only bounds the response head, as the
		// first buffer does in nginx ("upstream sent too big header").
		if n, err := nginxconf.ParseSize(arg(0)); err == nil && n > 0 {
			conf.responseHeadSize = int(n)
		} else {
			l.errorf(d.Pos, "value", "\"proxy_buffer_size\" directive invalid value")
		}
	case "proxy_buffering":
		conf.buffering = l.flag(d, conf.buffering)
	case "proxy_request_buffering":
		conf.requestBuffering = l.flag(d, conf.requestBuffering)
	case "proxy_ignore_client_abort":
		conf.ignoreClientAbort = l.flag(d, conf.ignoreClientAbort)
	case "proxy_intercept_errors":
		conf.interceptErrors = l.flag(d, conf.interceptErrors)
	case "chunked_transfer_encoding", "proxy_method":
		l.applyResponseDirective(conf, d)
	default:
		if appliedElsewhere[d.Name] {
			return
		}
		spec, ok := nginxconf.Lookup(d.Name)
		if ok && spec.Implemented() && spec.AllowedIn(nginxconf.CtxServer|nginxconf.CtxLocation|nginxconf.CtxHTTP) {
			l.warnf(d.Pos, "not-applied", "directive \"%s\" is marked implemented but the proxy loader does not apply it yet", d.Name)
		}
		// Unknown, ignored and unsupported directives are reported by
		// nginxconf.Check, which every caller runs before Load.
	}
}

// duration parses a time value (ms units allowed, nginx's msec slot).
func (l *loader) duration(d *nginxconf.Directive, def time.Duration) time.Duration {
	if len(d.Args) < 1 {
		return def
	}
	v, err := nginxconf.ParseMsec(d.Args[0].Value)
	if err != nil {
		l.errorf(d.Pos, "value", "\"%s\" directive invalid value", d.Name)
		return def
	}
	return v
}

// bitmask reads the words of a bitmask directive the way
// ngx_conf_set_bitmask_slot does: case-insensitively, an unknown word is an
// error, a repeated one a warning.
func (l *loader) bitmask(d *nginxconf.Directive, words map[string]nextUpstreamMask) (nextUpstreamMask, bool) {
	var m nextUpstreamMask
	for _, a := range d.Args {
		bit, ok := words[strings.ToLower(a.Value)]
		if !ok {
			l.errorf(a.Pos, "value", "invalid value \"%s\" in \"%s\" directive", a.Value, d.Name)
			return 0, false
		}
		if m&bit != 0 {
			l.warnf(a.Pos, "value", "duplicate value \"%s\"", a.Value)
		}
		m |= bit
	}
	return m, true
}

func (l *loader) integer(d *nginxconf.Directive, def int) int {
	if len(d.Args) != 1 {
		return def
	}
	n, err := nginxconf.ParseInt(d.Args[0].Value)
	if err != nil {
		l.errorf(d.Pos, "value", "invalid number \"%s\" in \"%s\" directive", d.Args[0].Value, d.Name)
		return def
	}
	return int(n)
}

func (l *loader) flag(d *nginxconf.Directive, def bool) bool {
	if len(d.Args) != 1 {
		return def
	}
	v, err := nginxconf.ParseFlag(d.Args[0].Value)
	if err != nil {
		l.errorf(d.Pos, "value", "invalid value \"%s\" in \"%s\" directive, it must be \"on\" or \"off\"", d.Args[0].Value, d.Name)
		return def
	}
	return v
}

// headerBuffers applies large_client_header_buffers N SIZE,
// underscores_in_headers and ignore_invalid_headers.
func (l *loader) headerBuffers(d *nginxconf.Directive, cur headerBufConf) headerBufConf {
	switch d.Name {
	case "underscores_in_headers":
		cur.underscores = l.flag(d, cur.underscores)
		return cur
	case "ignore_invalid_headers":
		cur.keepInvalid = !l.flag(d, !cur.keepInvalid)
		return cur
	case "merge_slashes":
		cur.keepSlashes = !l.flag(d, !cur.keepSlashes)
		return cur
	}
	if len(d.Args) != 2 {
		return cur
	}
	n, err1 := nginxconf.ParseInt(d.Args[0].Value)
	size, err2 := nginxconf.ParseSize(d.Args[1].Value)
	if err1 != nil || err2 != nil || n < 1 || size < 1 {
		l.errorf(d.Pos, "value", "invalid value in \"large_client_header_buffers\" directive")
		return cur
	}
	cur.n, cur.size = int(n), int(size)
	return cur
}

// proxyRedirect applies one proxy_redirect directive.
func (l *loader) proxyRedirect(conf *locConf, d *nginxconf.Directive) {
	if !conf.redirectOwn {
		conf.redirect = redirectConf{mode: redirectList}
		conf.redirectOwn = true
	}
	args := d.Args
	if len(args) == 1 {
		switch args[0].Value {
		case "off":
			conf.redirect = redirectConf{mode: redirectOff}
		case "default":
			// ngx_http_proxy_redirect derives "default" from the
			// proxy_pass already read at the same level.
			switch {
			case conf.proxy == nil:
				l.errorf(d.Pos, "value", "\"proxy_redirect default\" should be placed after the \"proxy_pass\" directive")
			case conf.proxy.tmpl != nil:
				l.errorf(d.Pos, "value", "\"proxy_redirect default\" cannot be used with \"proxy_pass\" directive with variables")
			default:
				conf.redirect.includesDefault = true
			}
		case "false": // nginx's old spelling of off
			conf.redirect = redirectConf{mode: redirectOff}
		default:
			l.errorf(d.Pos, "value", "invalid parameter \"%s\"", args[0].Value)
		}
		return
	}
	if len(args) != 2 {
		return
	}
	if pat, ok := strings.CutPrefix(args[0].Value, "~"); ok {
		caseless := false
		if p, ok := strings.CutPrefix(pat, "*"); ok {
			pat, caseless = p, true
		}
		re, diags := l.reg.CompileRegex(pat, caseless, args[0].Pos)
		l.add(diags)
		to := l.compile(args[1].Value, args[1].Pos)
		if re == nil || to == nil {
			return
		}
		conf.redirect.rules = append(conf.redirect.rules, redirectRule{re: re, to: to})
		return
	}
	from := l.compile(args[0].Value, args[0].Pos)
	to := l.compile(args[1].Value, args[1].Pos)
	if from == nil || to == nil {
		return
	}
	conf.redirect.rules = append(conf.redirect.rules, redirectRule{from: from, to: to})
}
