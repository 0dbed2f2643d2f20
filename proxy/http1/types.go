package http1

import "time"

// Request is a parsed client request head. Byte slices point into the Reader's buffer
// and stay valid until the next ReadRequest on that Reader.
type Request struct {
	Method []byte // as sent, e.g. "GET"
	// Target is the raw request-target, nginx's $request_uri: origin-form "/p?q",
	// absolute-form "http://host/p?q", authority-form "host:443" (CONNECT) or "*".
	Target []byte
	Path   []byte // raw (not decoded, not normalised) path of the target; "/" for an absolute-form target without one
	// URI is nginx's initial $uri: Path percent-decoded, with "//" merged (unless
	// Options.NoMergeSlashes) and "." / ".." resolved (see NormalizePath).
	URI   []byte
	Query []byte // query string without '?', nil when the target has none
	// HasQuery tells an empty query ("/p?") from none ("/p").
	HasQuery bool
	// Host is the host of an absolute-form target, lowercased (nginx lets it win over
	// the Host header); nil for other forms.
	Host []byte
	// Scheme of an absolute-form target ("http", "https"), nil otherwise.
	Scheme []byte

	ProtoMajor, ProtoMinor int
	// Proto is the version token as sent ("HTTP/1.1"), nginx's $server_protocol.
	Proto []byte
	// RequestLine is the whole request line without its line ending, nginx's $request.
	RequestLine []byte

	Header Header
	// HostHeader is the value of the Host header (nil when absent).
	HostHeader []byte

	ContentLength int64 // -1 when the request has no Content-Length
	Chunked       bool  // Transfer-Encoding: chunked
	KeepAlive     bool  // the client allows the connection to be reused after this request
	Upgrade       bool  // Connection: upgrade together with an Upgrade header (HTTP/1.1)
	Expect100     bool  // Expect: 100-continue (HTTP/1.1)
	// ConnectionClose is set when Connection lists "close".
	ConnectionClose bool

	HeadLength int // bytes of the request head: request line, headers and the empty line

	// NeedsNormalization is set when the path has "//", "/.", '%' or '#' (nginx's
	// complex_uri/quoted_uri): $uri then differs from the raw path.
	NeedsNormalization bool

	// Parser state between header lines and finish.
	hostSeen    bool
	expectSeen  bool
	clValue     []byte
	teValue     []byte
	connection  connectionType
	connUpgrade bool
}

type connectionType uint8

const (
	connDefault connectionType = iota
	connClose
	connKeepAlive
)

// HasBody reports whether a body follows the head (a positive length or chunked).
func (r *Request) HasBody() bool { return r.Chunked || r.ContentLength > 0 }

// Response is a parsed upstream response head. Byte slices point into the Reader's
// buffer and stay valid until the next ReadResponse on that Reader.
type Response struct {
	ProtoMajor, ProtoMinor int
	Status                 int
	// StatusLine is the status line without its line ending ("HTTP/1.1 200 OK").
	StatusLine []byte
	Reason     []byte // reason phrase as sent, may be empty
	Header     Header

	ContentLength int64 // -1 when the response has no Content-Length
	Chunked       bool  // Transfer-Encoding: chunked
	// UntilClose: the body is delimited by the upstream closing the connection.
	UntilClose bool
	// NoBody: the response carries no body (HEAD, 1xx, 204, 304) whatever its headers say.
	NoBody bool
	// KeepAlive: the upstream allows the connection to be reused after this response
	// (by version and Connection) and the framing lets the end of the body be found.
	KeepAlive bool
	// KeepAliveTimeout and KeepAliveMax come from "Keep-Alive: timeout=N, max=M";
	// zero when absent. KeepAliveMaxSet distinguishes "max=0" from absent.
	KeepAliveTimeout time.Duration
	KeepAliveMax     int
	KeepAliveMaxSet  bool

	HeadLength int // bytes of the status line, headers and the empty line
	// Skipped1xx counts interim 1xx responses (other than 101) read and dropped before this one.
	Skipped1xx int
	// StatusText is the status line from the code on ("200 OK"): what a proxy sends
	// after its own "HTTP/1.1 " to pass the upstream status line through.
	StatusText []byte

	connClose, clSeen, teSeen bool
}

// HasBody reports whether body bytes follow the head.
func (r *Response) HasBody() bool {
	return !r.NoBody && (r.Chunked || r.UntilClose || r.ContentLength > 0)
}
