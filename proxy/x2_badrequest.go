package proxy

import (
	"errors"

	"sliceproxy/proxy/http1"
)

// requestLineErrors are the messages of the errors nginx finds while it
// parses the request line and its URI (ngx_http_process_request_line,
// ngx_http_process_request_uri): r->unparsed_uri is set only after both
// succeeded, so a request failing there logs $request_uri as "-".
var requestLineErrors = map[string]bool{
	"client sent invalid request":                    true,
	"client sent invalid method":                     true,
	"client sent invalid version":                    true,
	"client sent HTTP/0.9 request":                   true,
	"client sent invalid method in HTTP/0.9 request": true,
	"client sent invalid host in request line":       true,
	"client sent too long URI":                       true,
}

// noteFailedRequest records a request whose head could not be parsed the
// way nginx sees it for the access log: the request was created when its
// first byte arrived, so it counts in $connection_requests; and when the
// request line itself was bad there is no $request_uri.
func (c *clientConn) noteFailedRequest(err error) {
	c.requests++
	var e *http1.Error
	if errors.As(err, &e) && requestLineErrors[e.Msg] {
		c.req.Target = nil
	}
}
