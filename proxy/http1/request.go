package http1

import (
	"bytes"
	"io"
)

// nginx's log messages for client errors (ngx_http_request.c).
const (
	msgInvalidMethod     = "client sent invalid method"
	msgInvalidRequest    = "client sent invalid request"
	msgInvalidVersion    = "client sent invalid version"
	msgHTTP09            = "client sent HTTP/0.9 request"
	msgInvalid09Method   = "client sent invalid method in HTTP/0.9 request"
	msgInvalidHostLine   = "client sent invalid host in request line"
	msgTooLongURI        = "client sent too long URI"
	msgTooLongHeader     = "client sent too long header line"
	msgInvalidHeaderLine = "client sent invalid header line"
	msgDuplicateHeader   = "client sent duplicate header line"
	msgDuplicateHost     = "client sent duplicate host header"
	msgInvalidHost       = "client sent invalid host header"
	msgNoHost            = `client sent HTTP/1.1 request without "Host" header`
	msgInvalidCL         = `client sent invalid "Content-Length" header`
	msgTrace             = "client sent TRACE method"
	msgConnect           = "client sent CONNECT method"
	msgTEOn10            = `client sent HTTP/1.0 request with "Transfer-Encoding" header`
	msgCLAndTE           = `client sent "Content-Length" and "Transfer-Encoding" headers at the same time`
	msgUnknownTE         = `client sent unknown "Transfer-Encoding"`
	msgPrematureClose    = "client prematurely closed connection"
)

// ReadRequest reads and parses the next request head into req (which is reset
// first; its header slice is reused). On a protocol error it returns an *Error with
// nginx's status and message; the connection must then be closed after answering.
// ErrClosedBeforeRequest means the client closed before sending a byte of a request
// (nginx closes silently); ErrClientClosedHead that it closed in the middle of one
// (nginx logs 400 and sends nothing); other I/O errors (timeouts, resets) are
// returned as they are.
//
// Body bytes that arrived with the head stay buffered: read the body with
// BodyReader.
func (rd *Reader) ReadRequest(req *Request) error {
	req.reset()
	rd.compact()
	if err := rd.skipEmptyLines(); err != nil {
		return err
	}

	o := &rd.opt
	rd.rules = o.headerRules() // every request starts in the connection's server
	pack := headPacking{free: o.HeaderBufferSize}
	start := rd.r
	pos := start  // start of the line being parsed
	scan := start // where the search for its LF resumes
	lineNo := 0
	for {
		i := bytes.IndexByte(rd.buf[scan:rd.w], '\n')
		if i < 0 {
			if err := rd.checkPartialLine(req, &pack, lineNo, rd.buf[pos:rd.w]); err != nil {
				return err
			}
			scan = rd.w
			if !rd.ensureRoom(o.maxRequestHead()) {
				// Unreachable with consistent limits: checkPartialLine fails first.
				return newError(494, msgTooLongHeader, nil)
			}
			if err := rd.fill(); err != nil {
				if err == io.EOF {
					return ErrClientClosedHead
				}
				return err
			}
			continue
		}
		end := scan + i // index of the LF
		lineLen := end + 1 - pos
		line := trimTrailingCR(rd.buf[pos:end])
		if lineNo == 0 {
			if !pack.add(lineLen, o) {
				if err := rd.parseRequestLine(req, line, false); err != nil {
					return err
				}
				return newError(414, msgTooLongURI, nil)
			}
			if err := rd.parseRequestLine(req, line, true); err != nil {
				return err
			}
			req.RequestLine = trimOneCR(rd.buf[pos:end])
			if err := rd.setURI(req); err != nil {
				return err
			}
			if req.Host != nil {
				// An absolute URI's host selects the server before any header
				// line (ngx_http_process_request_line); Host then selects none.
				rd.selectRules(req.Host)
			}
		} else {
			if !pack.add(lineLen, o) {
				if len(line) > 0 {
					if err := rd.parseHeaderLine(req, line, false); err != nil {
						return err
					}
				}
				return newError(494, msgTooLongHeader, line)
			}
			if raw := rd.buf[pos:end]; len(raw) == 0 || (len(raw) == 1 && raw[0] == '\r') {
				rd.r = end + 1
				rd.floor = rd.r
				req.HeadLength = rd.r - start
				return req.finish()
			}
			if err := rd.parseHeaderLine(req, line, true); err != nil {
				return err
			}
		}
		lineNo++
		pos = end + 1
		scan = pos
	}
}

// skipEmptyLines drops CR and LF bytes before a request line, as nginx does, and
// waits for the first byte of a request.
func (rd *Reader) skipEmptyLines() error {
	for {
		for rd.r < rd.w && (rd.buf[rd.r] == '\r' || rd.buf[rd.r] == '\n') {
			rd.r++
		}
		if rd.r < rd.w {
			rd.compact()
			return nil
		}
		rd.r, rd.w = 0, 0
		if err := rd.fill(); err != nil {
			if err == io.EOF {
				return ErrClosedBeforeRequest
			}
			return err
		}
	}
}

// checkPartialLine fails early, as nginx does when its buffers are full, when an
// unterminated line can no longer fit: a syntax error already visible wins over the
// size error.
func (rd *Reader) checkPartialLine(req *Request, pack *headPacking, lineNo int, partial []byte) error {
	if pack.fitsPartial(len(partial), &rd.opt) {
		return nil
	}
	line := trimTrailingCR(partial)
	if lineNo == 0 {
		if err := rd.parseRequestLine(req, line, false); err != nil {
			return err
		}
		return newError(414, msgTooLongURI, nil)
	}
	if len(line) > 0 {
		if err := rd.parseHeaderLine(req, line, false); err != nil {
			return err
		}
	}
	return newError(494, msgTooLongHeader, line)
}

func trimOneCR(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return b[:len(b)-1]
	}
	return b
}

// headPacking replays nginx's header buffer scheme (ngx_http_alloc_large_header_buffer)
// on line lengths, so that the limits give nginx's exact answers: lines are packed
// into the client_header_buffer_size buffer, then into up to N large buffers; a line
// that does not fit in what is left of the current buffer moves whole to a new large
// buffer, and a line longer than a large buffer never fits.
type headPacking struct {
	free  int // bytes left in the current buffer
	large int // large buffers taken
}

// add accounts for a complete line of n bytes (with its line ending).
func (p *headPacking) add(n int, o *Options) bool {
	if n <= p.free {
		p.free -= n
		return true
	}
	if n > o.LargeHeaderBufferSize || p.large >= o.LargeHeaderBuffers {
		return false
	}
	p.large++
	p.free = o.LargeHeaderBufferSize - n
	return true
}

// fitsPartial reports whether an unterminated line of n bytes may still complete.
func (p *headPacking) fitsPartial(n int, o *Options) bool {
	if n < p.free {
		return true
	}
	return n < o.LargeHeaderBufferSize && p.large < o.LargeHeaderBuffers
}

// reset prepares req for reuse, keeping the capacity of its header list.
func (req *Request) reset() {
	fields := req.Header.Fields
	clear(fields)
	if cap(fields) > maxRetainedFields {
		fields = nil // a freak head must not pin memory for the connection's life
	}
	*req = Request{ContentLength: -1, Header: Header{Fields: fields[:0]}}
}

// isMethod compares the method without allocating.
func (req *Request) isMethod(m string) bool { return string(req.Method) == m }

// finish applies nginx's checks once the whole head is read
// (ngx_http_process_request_header) and derives framing and keep-alive.
func (req *Request) finish() error {
	if req.HostHeader == nil && !req.hostSeen && req.atLeast11() {
		return newError(400, msgNoHost, nil)
	}
	if req.clValue != nil {
		n, ok := parseDecimal(req.clValue)
		if !ok {
			return newError(400, msgInvalidCL, req.clValue)
		}
		req.ContentLength = n
	}
	if req.isMethod("TRACE") {
		return newError(405, msgTrace, nil)
	}
	if req.isMethod("CONNECT") {
		return newError(405, msgConnect, nil)
	}
	if req.teValue != nil {
		if !req.atLeast11() {
			return newError(400, msgTEOn10, nil)
		}
		if !equalFoldString(req.teValue, "chunked") {
			return newError(501, msgUnknownTE, req.teValue)
		}
		if req.clValue != nil {
			return newError(400, msgCLAndTE, nil)
		}
		req.Chunked = true
		req.ContentLength = -1
	}
	switch req.connection {
	case connClose:
		req.KeepAlive = false
	case connKeepAlive:
		req.KeepAlive = true
	default:
		req.KeepAlive = req.atLeast11()
	}
	req.Upgrade = req.Upgrade && req.connUpgrade && req.atLeast11()
	req.Expect100 = req.Expect100 && req.atLeast11()
	return nil
}

func (req *Request) atLeast11() bool {
	return req.ProtoMajor > 1 || (req.ProtoMajor == 1 && req.ProtoMinor >= 1)
}

// setURI derives req.URI ($uri) from the target: the raw path when it needs no
// normalisation, else NormalizePath into the Reader's own buffer.
func (rd *Reader) setURI(req *Request) error {
	if !req.NeedsNormalization {
		req.URI = req.Path
		return nil
	}
	if req.Target == nil {
		return nil // CONNECT: no path
	}
	uri, err := NormalizePath(rd.uriBuf[:0], req.Target, !rd.opt.NoMergeSlashes)
	if err != nil {
		return err
	}
	rd.uriBuf = uri
	req.URI = uri[:len(uri):len(uri)]
	return nil
}
