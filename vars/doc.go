// Package vars evaluates nginx variables, complex values and map blocks per
// request, exactly as nginx 1.28 does, and holds sliceproxy's regex policy.
//
// # Model
//
// A Registry (built once per configuration load) gives every variable a dense
// Index: nginx's built-ins, the targets of map and set, named regex captures,
// and each name of a prefixed family ($http_NAME, $cookie_NAME, $arg_NAME,
// $sent_http_NAME, $upstream_http_NAME, $upstream_cookie_NAME) the first time
// it is referenced. Names are case-insensitive, as in nginx.
//
// Registry.Compile turns a configuration string into a Template: a slice of
// ops (literal bytes, variable index, capture number) following
// ngx_http_script_compile — "$name", "${name}", "$1".."$9" (one digit: "$10"
// is $1 followed by "0"); a "$" at the end or before a character that cannot
// start a name is "invalid variable name".
//
// A Request carries the facts the proxy knows (the parsed client request,
// addresses, TLS, server, URI/args, response and upstream attempts) and a
// per-variable cache: a cacheable variable is computed at most once per
// request, lazily; volatile ones (nginx's NGX_HTTP_VAR_NOCACHEABLE:
// $uri, $args, $request_time, $msec, $time_local, $status, $upstream_*, ...,
// and maps that say "volatile") on every use. Template.Eval appends to a
// caller's buffer and allocates nothing once the request's buffers have grown.
// Reset is O(1) (a generation counter), so a Request is reused across requests.
//
// # Found, not found, empty
//
// Like nginx, a variable is either found (possibly empty) or not found;
// Request.AppendVar and Request.Var report it, Template.Eval renders both
// as "". The access log prints "-" for not found and nothing for found but
// empty, so the distinction is visible there; it follows nginx 1.22
// (TestDifferentialNginxFound logs the same requests through nginx):
//
//   - not found: $args/$query_string without a query ("/p" and "/p?"
//     alike; Facts.Args nil), $arg_X, $cookie_X, $http_X and
//     $sent_http_X for an absent field, $content_type, $content_length,
//     $remote_user, $upstream_* without an attempt, $upstream_http_X,
//     $proxy_host/$proxy_port outside proxy_pass, $ssl_server_name on
//     plain connections, a named capture before its regex matched, a map
//     target that cannot be computed, and every stub (IsStub).
//   - found and empty: $is_args without a query, $https on plain HTTP,
//     $http2/$http3 on HTTP/1.x, a present but empty header, a "set"
//     variable read before any "set" ran (nginx's "using uninitialized
//     variable"), $request_completion before the response is complete.
//
// # tengine's variables
//
// tengine's $dollar, $host_comment, $unix_time, $year, $year2, $month,
// $day, $hour, $hour12, $minute, $second, $time_http, $full_request,
// $normalized_request, $sent_cookie_NAME and $ascii_N, and its log-only
// $sec, $request_time_msec, $request_time_usec and $apache_bytes_sent,
// render with tengine's formats, and so do $base64_decode_NAME,
// $md5_encode_NAME and $escape_uri_NAME, which transform the variable NAME
// (resolved at load time, also when NAME is declared later). The plain
// names are weak: nginx does not know them, so a "set" or "map" of the same
// name (valid nginx) replaces them. $raw_uri is a stub.
//
// # Maps
//
// Registry.LoadMaps builds every "map SOURCE $target { ... }". Exact keys are
// lowercased at load and the source is lowercased before the lookup (nginx's
// ngx_hash_add_key / ngx_http_map_find), so exact keys match
// case-insensitively; regexes see the source as evaluated. Precedence: exact,
// then (with "hostnames") the longest "*.example.com"/".example.com" wildcard,
// then the longest "www.example.*" wildcard, then the regexes in
// configuration order (only for a non-empty source), then default ("" when
// absent). With "hostnames" one trailing dot of the source is ignored.
// A leading "\" escapes a key starting with "~" (or "default"). Values are
// complex values; a regex's captures ($1, named) are usable in its value and,
// as in nginx, stay set for the rest of the request. A map is evaluated only
// when its target is used; maps may chain in any order. Lookups go through
// Go maps (exact) and label tries (wildcards): never a scan over keys.
// HostTable is exported for server_name matching, which uses the same rules.
//
// # Regular expressions: PCRE in nginx, RE2 (and regexp2) here
//
// nginx compiles regexes with PCRE. sliceproxy compiles each pattern with Go's
// regexp (RE2: linear time, no backtracking) when RE2 accepts it, and falls
// back to github.com/dlclark/regexp2 (a backtracking engine, .NET syntax) with
// a match timeout (RegistryOptions.RegexTimeout, 100ms by default) for the
// PCRE features RE2 lacks: lookahead/lookbehind, backreferences, atomic
// groups, possessive quantifiers (rewritten to atomic groups), \Z. Such a pattern gets a lint warning; a match that times out
// counts as no match. A pattern neither engine accepts is a configuration
// error. Differences users can hit:
//
//   - "$" without (?m) matches at the end of the subject or before a final
//     newline, as in PCRE (sliceproxy rewrites RE2's "$" to do the same; the
//     whole match then includes that newline). "^" matches only at the start.
//     A decoded "%0A" at the end of $uri therefore still matches "\.php$".
//   - \Z and possessive quantifiers (a++) run on the backtracking engine;
//     \G, \K, recursion, conditionals and callouts are errors.
//   - Unknown escapes such as "\y" are errors in both engines (PCRE2, which
//     nginx ≥ 1.21.5 uses, rejects them too; old PCRE1 treated them as
//     literals).
//   - nginx uses PCRE without UTF mode: "." matches one byte, \w, \d, \s
//     are ASCII and case-insensitive matching folds ASCII letters only.
//     sliceproxy folds ASCII only too on RE2 (except inside a character
//     class under an inline "(?i)"), but RE2 matches runes: "." matches a
//     whole UTF-8 character (an invalid byte counts as one), so "^/(.)" on
//     "/é" captures two bytes where nginx captures one. On the backtracking
//     engine \d and \w follow .NET (Unicode digits and letters) and
//     IgnoreCase folds Unicode.
//   - Named groups: (?<name>...), (?P<name>...) and (?'name'...) all work;
//     groups are numbered left to right as in PCRE on both engines.
//
// # Deviations from nginx
//
//   - $http_NAME and $sent_http_NAME join repeated fields with ", " (and
//     $http_cookie with "; ") as nginx ≥ 1.23 does; Debian's nginx 1.22
//     returns only the first field of most headers.
//   - $body_bytes_sent, $bytes_sent, $request_completion and
//     $sent_http_NAME are volatile here (nginx caches them) so that a value
//     read before the response is sent is never stale.
//   - $upstream_* render one entry per attempt separated by ", "; nginx's
//     " : " between upstream groups (after an internal redirect to another
//     group) is not produced.
//   - $realpath_root that cannot be resolved is "" (nginx fails the request).
//   - Variables nginx modules define but sliceproxy does not compute
//     ($ssl_protocol, $gzip_ratio, $request_body, $upstream_cache_status,
//     $tcpinfo_rtt, ...) exist and are always not found (nginx agrees
//     while the feature is unused, except $tcpinfo_*, which nginx fills on
//     Linux); Registry.IsStub tells them apart for lint.
//   - $sent_http_NAME reads Response.Header: when the proxy lists its own
//     Server and Date fields there, $sent_http_server and $sent_http_date
//     are found, where nginx (which writes them outside r->headers_out)
//     finds them only when proxy_pass_header passes the upstream's.
//   - $realip_remote_addr/_port equal $remote_addr/_port: the realip module
//     is not supported, so the address is never replaced.
//   - tengine's date variables read the clock when evaluated, tengine its
//     per-event cached time.
//   - A named capture whose name is a map's target does not replace the map:
//     the map answers until a match assigns the capture.
//   - nginx evaluates a complex value in two passes (lengths, then bytes), so
//     a template that reads $1 before a map whose regex replaces the
//     captures renders inconsistently there; sliceproxy evaluates left to
//     right once.
//   - Unknown variables are reported at the position of the first reference
//     (nginx prints no position); with RegistryOptions.DeferUnknown, names
//     may be declared after their use and Registry.Unresolved reports the
//     rest, as nginx does at the end of the configuration.
package vars
