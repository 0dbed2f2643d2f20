package proxy

import (
	"time"

	"sliceproxy/proxy/access"
	"sliceproxy/proxy/accesslog"
	"sliceproxy/proxy/auth"
	"sliceproxy/proxy/rewrite"
	"sliceproxy/proxy/static"
	"sliceproxy/vars"
)

// locConf is everything the request handler needs from the http, server and
// location levels, already merged: nginx's "merge_loc_conf" result. A level
// starts as a copy of its parent and overwrites what it sets itself, which is
// nginx's inheritance for scalar directives. Array directives
// (proxy_set_header, add_header, proxy_hide_header, error_page, access_log)
// replace the whole inherited list as soon as the level has one of them; the
// *Own flags track that per level.
type locConf struct {
	// Client side.
	clientMaxBodySize int64
	clientBodyTimeout time.Duration
	sendTimeout       time.Duration
	keepaliveTimeout  time.Duration
	keepaliveHeader   time.Duration // keepalive_timeout's second value: "Keep-Alive: timeout=N"
	keepaliveRequests int
	// Redirects made absolute (ngx_http_header_filter): absolute_redirect,
	// server_name_in_redirect, port_in_redirect.
	absoluteRedirect     bool
	serverNameInRedirect bool
	portInRedirect       bool
	// serverTokens is server_tokens on/build: the Server header and error
	// pages carry the version ("nginx/1.28.0"); off says "nginx".
	serverTokens bool

	// Proxy module.
	proxy             *proxyPass // nil: no proxy_pass at this level
	setHeaders        []headerTemplate
	setHeadersOwn     bool
	proxyHeaders      *proxyHeaders // setHeaders merged with nginx's defaults
	httpVersion11     bool
	passReqHeaders    bool
	passReqBody       bool
	hideHeaders       []string
	hideHeadersOwn    bool
	passHeaders       []string
	passHeadersOwn    bool
	redirect          redirectConf
	redirectOwn       bool
	connectTimeout    time.Duration
	socketKeepalive   bool // proxy_socket_keepalive
	readTimeout       time.Duration
	upstreamSendTO    time.Duration
	nextUpstream      nextUpstreamMask
	nextTries         int
	nextTimeout       time.Duration
	buffering         bool // proxy_buffering: on and off both stream (see the package doc)
	requestBuffering  bool
	ignoreClientAbort bool
	interceptErrors   bool
	responseHeadSize  int // proxy_buffer_size: the largest upstream response head

	// Static files, index, try_files, types, expires and add_header: merged
	// by the static package with the same inheritance rules.
	static *static.Config

	// errorPages is the error_page table (nil: none).
	errorPages *rewrite.ErrorPages

	// defaultType is default_type and types the extension table, for
	// "return CODE TEXT" bodies (see content_type.go).
	defaultType string
	types       map[string]string

	// accessLog is the merged access_log setting.
	accessLog *accesslog.Config

	// access is the allow/deny list in force (nil: every client is
	// allowed); a level with any rule replaces the inherited list.
	access *access.Rules
	// auth is the merged auth_basic setting, satisfyAny "satisfy any" and
	// limitExcept the location's limit_except block (s1_access.go). Nested
	// locations do not inherit limitExcept, as nginx does not merge it; an
	// if block keeps it, since for the methods it restricts nginx never
	// runs the location's if (see s1KnownDiffs) and checks access with the
	// block's configuration.
	auth        *auth.Basic
	satisfyAny  bool
	limitExcept *limitExcept

	// resp is chunked_transfer_encoding and proxy_method (response_conf.go).
	resp responseConf
}

// defaultLocConf holds nginx's documented defaults for every field above.
func defaultLocConf() *locConf {
	return &locConf{
		clientMaxBodySize: 1 << 20,
		clientBodyTimeout: 60 * time.Second,
		sendTimeout:       60 * time.Second,
		keepaliveTimeout:  75 * time.Second,
		keepaliveRequests: 1000,
		absoluteRedirect:  true,
		portInRedirect:    true,
		serverTokens:      true,
		passReqHeaders:    true,
		passReqBody:       true,
		redirect:          redirectConf{mode: redirectDefault},
		connectTimeout:    60 * time.Second,
		readTimeout:       60 * time.Second,
		upstreamSendTO:    60 * time.Second,
		responseHeadSize:  4096, // nginx's default, one memory page
		defaultType:       "text/plain",
		types:             builtinTypes,
		nextUpstream:      nextError | nextTimeout,
		buffering:         true,
		requestBuffering:  true,
	}
}

// child returns a copy for a nested level; the copy shares the parent's
// slices until it sets its own (the *Own flags are cleared so that the first
// directive of an array kind at the child level replaces, not appends).
func (c *locConf) child() *locConf {
	n := *c
	n.setHeadersOwn = false
	n.hideHeadersOwn = false
	n.passHeadersOwn = false
	n.redirectOwn = false
	// proxy_pass is a location's handler: nested locations do not inherit it.
	n.proxy = nil
	return &n
}

// headerTemplate is one proxy_set_header.
type headerTemplate struct {
	name  string
	value *vars.Template
	// empty is true for a constant empty value: nginx then omits the header.
	empty bool
}

// redirectMode is proxy_redirect's form.
type redirectMode uint8

const (
	redirectDefault redirectMode = iota
	redirectOff
	redirectList
)

// redirectConf is the merged proxy_redirect setting.
type redirectConf struct {
	mode  redirectMode
	rules []redirectRule
	// includesDefault: "proxy_redirect default" appeared in a list.
	includesDefault bool
}

// redirectRule is one "proxy_redirect REPLACE WITH" pair: a prefix (from)
// or a regex (re, "~" or "~*") whose captures the replacement may use.
type redirectRule struct {
	from *vars.Template
	re   *vars.Regex
	to   *vars.Template
}

// nextUpstreamMask is proxy_next_upstream's set of conditions.
type nextUpstreamMask uint16

const (
	nextError nextUpstreamMask = 1 << iota
	nextTimeout
	nextInvalidHeader
	nextHTTP500
	nextHTTP502
	nextHTTP503
	nextHTTP504
	nextHTTP403
	nextHTTP404
	nextHTTP429
	nextNonIdempotent
	nextOff
)

var nextUpstreamWords = map[string]nextUpstreamMask{
	"error":          nextError,
	"timeout":        nextTimeout,
	"invalid_header": nextInvalidHeader,
	"http_500":       nextHTTP500,
	"http_502":       nextHTTP502,
	"http_503":       nextHTTP503,
	"http_504":       nextHTTP504,
	"http_403":       nextHTTP403,
	"http_404":       nextHTTP404,
	"http_429":       nextHTTP429,
	"non_idempotent": nextNonIdempotent,
	"off":            nextOff,
}

// statusMask maps an upstream status to its proxy_next_upstream condition.
func statusMask(status int) nextUpstreamMask {
	switch status {
	case 500:
		return nextHTTP500
	case 502:
		return nextHTTP502
	case 503:
		return nextHTTP503
	case 504:
		return nextHTTP504
	case 403:
		return nextHTTP403
	case 404:
		return nextHTTP404
	case 429:
		return nextHTTP429
	}
	return 0
}
