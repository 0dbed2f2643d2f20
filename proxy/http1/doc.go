// Package http1 is the HTTP/1.x wire format of sliceproxy's proxy hot path.
//
// It parses client requests with nginx's rules and status codes (ngx_http_parse.c,
// ngx_http_request.c), defends against ambiguous framing (request smuggling), decodes
// and encodes chunked bodies, writes upstream request heads and parses upstream
// response heads (ngx_http_proxy_module.c, ngx_http_upstream.c).
//
// Everything works on byte slices into buffers owned by a per-connection Reader, so
// parsing a request or response head allocates nothing once the buffers have grown.
// Slices handed out by a Reader stay valid until the next ReadRequest/ReadResponse on
// it (reading the body does not disturb them); copy what must live longer. Before
// the next head is read, the previous body must have been read to its end
// (BodyReader.Done, or Discard) — otherwise close the connection.
//
// The package is a leaf: it imports nothing from sliceproxy and does not use
// net/http.
//
// # Client requests
//
// ReadRequest follows nginx 1.25+ (checked byte for byte against Debian's nginx 1.22
// by the differential test): methods of A-Z, '_' and '-'; origin-form and
// absolute-form targets (the absolute host wins, lowercased, in Request.Host);
// HTTP/1.x only (505 for a major version above 1); bare LF line endings; leading
// empty lines skipped; header names of letters, digits, '-' (and '_' with
// underscores_in_headers), other names dropped (ignore_invalid_headers) but spaces,
// control characters, a leading ':' or an obs-fold continuation line are 400; NUL or
// a lone CR in a value is 400; a Host header is required for HTTP/1.1, must be valid
// and unique; Content-Length, Transfer-Encoding, Expect, Authorization, If-Match,
// If-None-Match, If-Modified-Since, If-Unmodified-Since, If-Range and Content-Range
// must be unique (400); Content-Length must be digits (400); Transfer-Encoding must
// be exactly "chunked" (501 otherwise, as nginx), never with Content-Length (400)
// and never in HTTP/1.0 (400); TRACE and CONNECT are 405. Sizes follow
// client_header_buffer_size and large_client_header_buffers exactly (nginx's buffer
// packing is replayed): a request line longer than a large buffer is 414, a header
// line longer than one, or a head needing more large buffers than allowed, is 494
// (sent as 400 "Request Header Or Cookie Too Large"). Request.URI is nginx's $uri
// (NormalizePath); a bad escape, %00 or ".." above the root is 400.
//
// # Deviations from nginx
//
//   - HTTP/0.9 requests ("GET /" without a version) are rejected with 400; nginx
//     answers them HTTP/0.9 style. No client needs 0.9 and it has no framing.
//   - An upstream status line that is not HTTP/1.x ("upstream sent no valid HTTP/1.0
//     header") is a 502 error; nginx passes such a response on as HTTP/0.9 body.
//   - Trailer fields that carry framing or routing (Content-Length,
//     Transfer-Encoding, Host, Connection, Keep-Alive, Trailer, Upgrade) are dropped.
//   - Chunk-size lines (with extensions) are bounded by Options.MaxChunkSizeLine and
//     trailers by Options.MaxTrailerSize; nginx bounds neither. Bad chunk framing is
//     400 for a client ("client sent invalid chunked body") and 502 for an upstream.
//   - Interim 1xx responses from an upstream (other than 101) are skipped, at most
//     16 of them; nginx 1.22 relays a "100 Continue" as if it were the final
//     response and drops the real one.
//   - Ambiguous upstream framing (Content-Length with Transfer-Encoding, two
//     Content-Lengths, an invalid length, a coding other than "chunked") is a 502
//     and the connection is not reused, as in nginx 1.23+; nginx 1.22 relays such
//     responses. nginx's status-line quirk of skipping spaces between the digits of
//     the code is not copied.
//   - Debian's nginx 1.22 differs from the current nginx rules we follow in two
//     places the differential test records: CONNECT is 400 there (405 now), and a
//     leading HTAB before a header value is kept as part of the value there.
//
// # Error pages
//
// ErrorPage/AppendErrorPage produce nginx's built-in pages byte for byte, with
// "<hr><center>nginx</center>" as nginx writes with server_tokens off (sliceproxy
// passes "nginx" so that clients see the pages they saw before), and the
// MSIE/Chrome padding of msie_padding on (NeedsPadding). StatusText has nginx's
// reason phrases ("Gateway Time-out", "Not Allowed", ...).
//
// # Socket I/O
//
// RawSocket (Linux) reads and writes a TCP or unix socket with recvfrom and
// sendmsg as raw system calls through its syscall.RawConn: the netpoller
// waits and deadlines apply as for net.Conn, but there is no entersyscall /
// exitsyscall, so with GOMAXPROCS=1 sysmon never hands the P to another
// thread while a loopback write is preempted by the process it woke.
// SocketConn wraps an accepted client connection with it (and keeps
// sendfile and splice: its ReadFrom hands the socket's own ReadFrom a source
// it recognises); upstream's pools use it when asked
// (upstream.Options.RawSocketIO). The proxy does both unless
// proxy.LoadOptions.RuntimeSocketIO says otherwise. A Reader waiting for the
// next request on an idle connection reads with the same raw call. The
// measurements are in proxy/perf.
package http1
