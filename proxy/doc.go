// Package proxy runs an nginx/tengine configuration: it builds a Runtime
// from the parsed configuration (Load), serves it on the listen sockets
// (Server), and drives the process the way nginx's master and one worker do
// (Run: pid file, signals, privileges).
//
// # Building
//
// Load is one provision step over the AST, Caddy style: every level
// (http, server, location, if) starts as a copy of its parent and applies
// its own directives, which is nginx's merge for scalars; array directives
// (proxy_set_header, proxy_hide_header, proxy_pass_header, error_page,
// add_header, access_log, allow/deny, types) replace the inherited list as
// soon as a level has one. Subpackages own their directives: route (locations, server names),
// rewrite (set/if/rewrite/return/break, error_page), static (root, alias,
// index, try_files, types, expires, add_header), accesslog (log_format,
// access_log, error_log), upstream (upstream blocks, balancers, keepalive
// pools), vars (map, variables), access (allow, deny). A directive the table marks implemented
// but nobody applies is reported, never silently dropped.
//
// # Serving
//
// One goroutine per client connection runs the request loop on
// proxy/http1's Reader (no net/http on the HTTP/1.1 path): server
// selection, server rewrite, location search, location rewrite (again
// after "last", up to ten URI changes), the access phase (allow/deny,
// proxy/access), then the content handler: proxy_pass, static files, or
// return. Responses nginx makes itself carry
// its status lines and error pages. HTTP/2 clients (listen ... ssl http2)
// are served by golang.org/x/net/http2 and adapted into the same loop.
//
// # The upstream exchange
//
// The exchange is built for Apache mpm-itk behind a sliced keepalive pool:
// the slice key and limit come from the request's variables
// (upstream.Group.Slice), and whether the connection may be kept comes from
// what happened on the wire (upstream.Outcome: response read to its end,
// upstream keep-alive, request body sent, Keep-Alive hints). A request that
// fails on a reused pooled connection before any response byte arrives is
// retried on a new connection to the same peer without using up a try —
// for idempotent requests, and for any request none of which reached the
// upstream; a POST whose body went out is never replayed unless
// proxy_next_upstream has non_idempotent. 101 responses become a tunnel and
// never return to the pool.
//
// # Deviations from nginx
//
//   - Responses are streamed, never spooled to disk: proxy_buffering on and
//     off both pass bytes on as they arrive (off flushes the same way).
//     Request bodies up to 1 MiB (64 KiB with proxy_request_buffering off)
//     are read before connecting, so retries can replay them; larger ones
//     stream and can only be retried while none of them was read.
//   - A stale pooled connection is retried on a new connection even when
//     proxy_next_upstream does not list "error" (nginx then fails the
//     request): nothing reached the application, so this is always safe for
//     the requests it applies to. Such retries are logged at info, not
//     error.
//   - The Server header and the error pages name nginx, not sliceproxy:
//     "nginx" with server_tokens off, "nginx/1.28.0" (the release whose
//     behaviour sliceproxy mirrors, as -V says) with on or build.
//   - `user` is applied only when the directive is present (nginx falls back
//     to "nobody"). The pid file is written before privileges are dropped,
//     through a descriptor kept open for the process's life: at exit it is
//     removed when the process may still unlink it, else (a root-owned
//     directory such as /run, which nginx's master, staying root, can
//     clean) emptied through that descriptor, since ftruncate needs only a
//     descriptor opened for writing, whatever the credentials are now.
//   - A reload (HUP) keeps the process and its listeners, so it closes only
//     the client connections idle between two requests (as nginx's old
//     workers do); a connection still waiting for its first request is
//     served by the new configuration instead of being dropped.
//   - Listen port 0 is accepted (the kernel picks a port), for tests.
//   - "daemon on" stays in the foreground, with a warning.
//   - On a client keep-alive connection the whole next request head must
//     arrive within keepalive_timeout (nginx switches to
//     client_header_timeout at its first byte).
//   - send_timeout, proxy_send_timeout and proxy_read_timeout may end a
//     wait up to min(300ms, timeout/8) early, never late: a keep-alive
//     connection keeps its armed deadline when the next one is only that
//     much later (internal/deadline; nginx's timers keep theirs within
//     300 ms either way).
//   - worker_connections bounds client connections only (nginx counts
//     upstream connections too).
//   - limit_except accepts only allow, deny, auth_basic and
//     auth_basic_user_file inside (anything else is a load error, never
//     silently dropped).
//   - Of the response fields set before an error_page, only
//     WWW-Authenticate goes out with the page (nginx keeps all of
//     r->headers_out: also a directory redirect's Location, a 416's
//     Content-Range and ETag).
//   - auth_basic user files: BSDi extended DES hashes ("_J9..") are not
//     computed (500 and a log line; lint warns at load). A file is re-read
//     only when its size or mtime changed (nginx reads it per request).
//   - On TLS, the request line and the header lines before Host are parsed
//     with the default server's large_client_header_buffers,
//     merge_slashes, underscores_in_headers and ignore_invalid_headers
//     (nginx starts from the server SNI selected); from Host on, both use
//     the server Host selects.
//   - A header line whose name is not an HTTP token, or whose value holds
//     control bytes, is dropped from an upstream response instead of being
//     passed on.
package proxy
