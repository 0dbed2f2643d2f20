package http1

// Options are the limits and switches of a Reader, named after the nginx directives
// they mirror. Zero fields take nginx's defaults (see DefaultOptions).
type Options struct {
	// HeaderBufferSize is client_header_buffer_size (default 1k): the first buffer a
	// request head is read into. It only matters for the limit arithmetic below.
	HeaderBufferSize int
	// LargeHeaderBuffers and LargeHeaderBufferSize are large_client_header_buffers
	// (default 4 8k): a request line longer than LargeHeaderBufferSize is 414, a header
	// line longer than it, or a head needing more than LargeHeaderBuffers buffers, is
	// 494 (shown as 400).
	LargeHeaderBuffers    int
	LargeHeaderBufferSize int
	// UnderscoresInHeaders is underscores_in_headers (default off).
	UnderscoresInHeaders bool
	// KeepInvalidHeaders is "ignore_invalid_headers off": header lines whose names
	// have characters other than letters, digits and '-' are kept instead of dropped.
	KeepInvalidHeaders bool
	// NoMergeSlashes is "merge_slashes off": "//" stays in Request.URI.
	NoMergeSlashes bool
	// HostRules, when set, gives the header rules of the server a request's
	// host selects. UnderscoresInHeaders and KeepInvalidHeaders above are those
	// of the server the connection starts in; nginx re-reads both for every
	// header line from the request's current server, which the host changes
	// (ngx_http_process_request_headers, ngx_http_set_virtual_server). So the
	// Reader asks once per request, as soon as it has the host: after the
	// request line when it has an absolute URI (a Host line then selects
	// nothing), else after the first Host line. The lines after that one are
	// judged with the answer; the lines before it are not judged again.
	HostRules HostRules

	// ResponseHeaderSize is proxy_buffer_size (default 4k): an upstream response head
	// must fit in it, else "upstream sent too big header" (502).
	ResponseHeaderSize int

	// MaxChunkSizeLine bounds a chunk-size line with its extensions (default 4096).
	MaxChunkSizeLine int
	// MaxTrailerSize bounds the trailer section of a chunked body (default 8k).
	MaxTrailerSize int

	// Buffers, when set, supplies the Reader's buffers and takes them back on
	// Release (see BufferPool). Shared by all connections of a server.
	Buffers *BufferPool
}

// HeaderRules are the settings that decide which request header lines are kept.
// Framing, duplicate and syntax checks never depend on them: a name they call
// invalid is never one of the headers the Reader acts on.
type HeaderRules struct {
	// UnderscoresInHeaders is underscores_in_headers.
	UnderscoresInHeaders bool
	// KeepInvalidHeaders is "ignore_invalid_headers off".
	KeepInvalidHeaders bool
}

// HostRules selects the header rules of the server for a host. An
// implementation is shared by the connections of a listen address: it must be
// safe for concurrent use, and it should not allocate (it runs for every
// request).
type HostRules interface {
	// RulesForHost is given a validated host: lowercased, without port and
	// trailing dot (the Reader's memory: it must not be kept).
	RulesForHost(host []byte) HeaderRules
}

// headerRules returns the rules the Options start every request with.
func (o *Options) headerRules() HeaderRules {
	return HeaderRules{UnderscoresInHeaders: o.UnderscoresInHeaders, KeepInvalidHeaders: o.KeepInvalidHeaders}
}

// DefaultOptions returns nginx's defaults.
func DefaultOptions() Options {
	return Options{
		HeaderBufferSize:      1024,
		LargeHeaderBuffers:    4,
		LargeHeaderBufferSize: 8192,
		ResponseHeaderSize:    4096,
		MaxChunkSizeLine:      4096,
		MaxTrailerSize:        8192,
	}
}

// withDefaults fills zero fields with nginx's defaults.
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.HeaderBufferSize <= 0 {
		o.HeaderBufferSize = d.HeaderBufferSize
	}
	if o.LargeHeaderBuffers <= 0 {
		o.LargeHeaderBuffers = d.LargeHeaderBuffers
	}
	if o.LargeHeaderBufferSize <= 0 {
		o.LargeHeaderBufferSize = d.LargeHeaderBufferSize
	}
	if o.ResponseHeaderSize <= 0 {
		o.ResponseHeaderSize = d.ResponseHeaderSize
	}
	if o.MaxChunkSizeLine <= 0 {
		o.MaxChunkSizeLine = d.MaxChunkSizeLine
	}
	if o.MaxTrailerSize <= 0 {
		o.MaxTrailerSize = d.MaxTrailerSize
	}
	return o
}

// maxRequestHead is the most a request head can take under nginx's buffer scheme.
func (o *Options) maxRequestHead() int {
	return o.HeaderBufferSize + o.LargeHeaderBuffers*o.LargeHeaderBufferSize
}
