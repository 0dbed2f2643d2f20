// Package http1 is the HTTP/1.x wire format of sliceproxy's proxy hot path.
//
// It parses client requests with nginx's rules and status codes (ngx_http_parse.c,
// ngx_http_request.c), defends against ambiguous framing (request smuggling), decodes
// and encodes chunked bodies, writes upstream request heads and parses upstream
// response heads (ngx_http_proxy_module.c).
//
// Everything works on byte slices into buffers owned by a per-connection Reader, so
// parsing a request or response head allocates nothing once the buffers have grown.
// Slices handed out by a Reader stay valid only until the next call that reads a new
// head on that Reader; copy what must live longer.
//
// The package is a leaf: it imports nothing from sliceproxy and does not use net/http.
package http1
