package static

import (
	"bytes"
	"strings"

	"sliceproxy/proxy/http1"
	"sliceproxy/vars"
)

func (c *Config) defTypeBytes() []byte { return c.defTypeB }

// safeStatus lists the statuses nginx's headers filter decorates without
// "always" (ngx_http_headers_filter).
func safeStatus(status int) bool {
	switch status {
	case 200, 201, 204, 206, 301, 302, 303, 304, 307, 308:
		return true
	}
	return false
}

// HasHeaderFilter reports whether FilterHeaders would do anything for some
// status, so the core can skip it cheaply.
func (c *Config) HasHeaderFilter() bool {
	return c.expires.Mode != ExpiresOff || c.expiresValue != nil || len(c.headers) > 0
}

// FilterHeaders applies this location's expires and add_header to a
// response the core generates (proxied responses, return, error pages and
// the KindStatus results of Resolve), as nginx's headers filter does for
// every response. lastModified is the response's Last-Modified in Unix
// seconds, -1 when it has none. Values are appended to h freshly allocated.
func (c *Config) FilterHeaders(req *vars.Request, status int, lastModified int64, h *http1.Header) {
	c.headerFilter(req, status, lastModified, h, nil)
}

func (c *Config) applyHeaderFilter(req *vars.Request, res *Result, status int) {
	c.headerFilter(req, status, res.LastModified, &res.Header, res)
}

func (c *Config) headerFilter(req *vars.Request, status int, lastModified int64, h *http1.Header, res *Result) {
	if !c.HasHeaderFilter() {
		return
	}
	buf := func(n int) []byte {
		if res != nil {
			return res.alloc(n)
		}
		return make([]byte, 0, n)
	}
	safe := safeStatus(status)
	if safe && (c.expires.Mode != ExpiresOff || c.expiresValue != nil) {
		e := c.expires
		ok := true
		if c.expiresValue != nil {
			v := c.expiresValue.eval(req, nil)
			e, ok = parseRuntimeExpires(string(v), c.expires.Mode == ExpiresModified)
		}
		if ok && e.Mode != ExpiresOff {
			exp, cc := expiresHeaders(e, lastModified, c.now(), buf(29), buf(24))
			setSingle(h, hExpires, exp)
			setSingle(h, hCacheControl, cc)
		}
	}
	for i := range c.headers {
		ah := &c.headers[i]
		if !safe && !ah.always {
			continue
		}
		var v []byte
		if !ah.empty {
			if ah.value.tmpl == nil {
				v = ah.litB
			} else {
				v = sanitizeHeaderValue(ah.value.tmpl.Eval(req, nil))
			}
		}
		switch {
		case strings.EqualFold(ah.name, "Last-Modified"), strings.EqualFold(ah.name, "ETag"):
			// Replace the response's own header; an empty value removes it.
			name := hLastModified
			if strings.EqualFold(ah.name, "ETag") {
				name = hETag
			}
			if len(v) == 0 {
				h.Del(string(name))
				continue
			}
			setSingle(h, ah.nameB, v)
		default:
			if len(v) > 0 {
				h.Fields = append(h.Fields, http1.Field{Name: ah.nameB, Value: v})
			}
		}
	}
}

// parseRuntimeExpires parses an expires value that came from variables; a
// bad value means no expires at all, as nginx silently skips it.
func parseRuntimeExpires(v string, modified bool) (Expires, bool) {
	e, err := parseExpires(v, modified)
	return e, err == nil
}

// setSingle replaces the first field named name (dropping later ones) or
// appends it, as nginx treats Expires and Cache-Control in set_expires.
func setSingle(h *http1.Header, name, value []byte) {
	for i := range h.Fields {
		if bytes.EqualFold(h.Fields[i].Name, name) {
			h.Fields[i].Value = value
			// Remove any later duplicates.
			j := i + 1
			for k := i + 1; k < len(h.Fields); k++ {
				if !bytes.EqualFold(h.Fields[k].Name, name) {
					h.Fields[j] = h.Fields[k]
					j++
				}
			}
			h.Fields = h.Fields[:j]
			return
		}
	}
	h.Fields = append(h.Fields, http1.Field{Name: name, Value: value})
}

// sanitizeHeaderValue replaces NUL, CR and LF with spaces so that a
// variable can never split the response head (nginx ≥ 1.23 does the same).
func sanitizeHeaderValue(v []byte) []byte {
	if !bytes.ContainsAny(v, "\x00\r\n") {
		return v
	}
	out := make([]byte, len(v))
	for i, c := range v {
		if c == 0 || c == '\r' || c == '\n' {
			c = ' '
		}
		out[i] = c
	}
	return out
}
