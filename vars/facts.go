package vars

import (
	"net/netip"
	"time"

	"sliceproxy/proxy/http1"
)

// Index identifies a variable in a Registry. Indexes are dense and stable for
// the Registry's lifetime, so a Request keeps its per-variable cache in a slice.
type Index int

// RegistryOptions are the process-wide facts some built-ins expose and the
// knobs of the regex engine. The zero value works: missing facts are filled
// from the running process.
type RegistryOptions struct {
	// Hostname is $hostname; os.Hostname() when empty.
	Hostname string
	// PID is $pid; os.Getpid() when zero.
	PID int
	// NginxVersion is $nginx_version; "1.28.0" when empty.
	NginxVersion string
	// RegexTimeout bounds one match of a regex that runs on the backtracking
	// engine (RE2 is linear and needs none); 100ms when zero.
	RegexTimeout time.Duration
	// Now is the clock of the time variables; time.Now when nil (tests pin it).
	Now func() time.Time
	// DeferUnknown makes Compile accept a name nobody declared yet (nginx
	// resolves names only at the end of the configuration, so "set" may come
	// after its use); Unresolved then reports the names still unknown.
	DeferUnknown bool
}

// UpstreamAttempt is one try of one upstream peer, in the order tried.
type UpstreamAttempt struct {
	Addr string // "ip:port" of the peer, or the name of a group without live peers
	// Status is the upstream's response status; 0 (rendered "-") when no
	// response head arrived. nginx records 502/504 for a failed attempt:
	// the proxy sets that itself.
	Status int
	// Timings render with millisecond precision; a negative value renders as
	// "-" (connect never completed, no response head), as nginx's -1.
	ConnectTime   time.Duration
	HeaderTime    time.Duration
	ResponseTime  time.Duration
	BytesSent     int64
	BytesReceived int64
	// ResponseLength is the length of the response body received from the
	// peer ($upstream_response_length): body bytes only, after any
	// transfer coding is removed; 0 when no response arrived.
	ResponseLength int64
	// KeepaliveReused is true when the attempt ran on a pooled connection.
	KeepaliveReused bool
	// Slice is the slice key after truncation (sliceproxy's own).
	Slice string
	// ResponseHeader is the upstream's response head (nil when none arrived).
	ResponseHeader *http1.Header
}

// Response holds what has been sent to the client so far.
type Response struct {
	Status int
	// Header is the response header as written on the wire, including the
	// fields the proxy generates (Content-Length, Transfer-Encoding,
	// Location, Last-Modified, Keep-Alive, ...): $sent_http_NAME reads it,
	// $sent_http_content_type, _content_length, _last_modified,
	// _transfer_encoding and _keep_alive included. A field missing here is
	// "not found", as in nginx, so leave out what nginx does not list in
	// r->headers_out (its own Server and Date). $sent_http_connection reads
	// a Connection field here when there is one, else it is computed from
	// Status and KeepAlive (nginx always sends one on HTTP/1.x).
	Header *http1.Header
	// HeaderBytes is the size of the status line and headers sent.
	HeaderBytes int64
	// BytesSent counts every byte written to the client for this request.
	BytesSent int64
	// KeepAlive tells whether the connection stays open after this response
	// ($sent_http_connection when Header has no Connection field).
	KeepAlive bool
	// Complete is set once the whole response has been written to the
	// client ($request_completion "OK"; "" before that or when the client
	// went away), as nginx's r->request_complete.
	Complete bool
}

// Facts are what the proxy knows about a request; it fills them before
// evaluating anything (Request.SetClient sets Client, URI and Args).
// Variables derived from mutable facts (URI, Args, Response, Upstream,
// DocumentRoot) are never cached, as in nginx; the others are computed once
// per request, so set their facts before the first evaluation.
type Facts struct {
	Client     *http1.Request
	RemoteAddr netip.AddrPort
	LocalAddr  netip.AddrPort
	TLS        bool
	SNI        string
	// ConnSerial is nginx's connection number ($connection); ConnRequests how
	// many requests this connection has carried, this one included.
	ConnSerial   uint64
	ConnRequests int
	// Start is when the request's first byte was read ($request_time).
	Start time.Time
	// ConnStart is when the client connection was accepted
	// ($connection_time); the zero time renders "0.000".
	ConnStart time.Time
	// ServerName is the first server_name of the selected server.
	ServerName string
	// DocumentRoot is the root of the current location ($document_root).
	DocumentRoot string
	// URI is the current normalised URI ($uri); rewrite changes it.
	URI []byte
	// Args is the current query string ($args); rewrite changes it. nil
	// means the request has no arguments: $args and $query_string are then
	// "not found" (the access log prints "-"), as nginx's r->args without
	// data. A non-nil empty slice is found and empty, as after
	// "rewrite ^ /x?" or "set $args ''". SetClient leaves it nil for "/p"
	// and "/p?" alike: nginx sets r->args only for a non-empty query.
	Args []byte
	// RequestLength is the bytes read of this request (head and body).
	RequestLength int64
	// ProxyHost and ProxyPort are $proxy_host/$proxy_port of the current
	// proxy_pass (empty, rendered as "not found", when the request was not
	// proxied): the upstream name or host as written in the URL, with
	// ":port" in ProxyHost only when the port is not the scheme's default
	// ("backend", "10.0.0.1:8080"), and the port as a string ("80").
	ProxyHost string
	ProxyPort string
	// RequestFilename is $request_filename when the proxy knows it (alias);
	// empty means $document_root$uri.
	RequestFilename string
	// LimitRate is $limit_rate in bytes per second; "set $limit_rate" changes it.
	LimitRate int64
	Response  Response
	// Upstream lists the upstream attempts in the order tried.
	Upstream []UpstreamAttempt
}
