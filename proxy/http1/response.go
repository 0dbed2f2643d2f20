package http1

import (
	"bytes"
	"io"
	"time"
)

// nginx's log messages for upstream errors (ngx_http_proxy_module.c,
// ngx_http_upstream.c). Every one of them makes nginx answer 502.
const (
	msgUpstreamNoValidHeader   = "upstream sent no valid HTTP/1.0 header"
	msgUpstreamInvalidHeader   = "upstream sent invalid header"
	msgUpstreamTooBigHeader    = "upstream sent too big header"
	msgUpstreamPrematureClose  = "upstream prematurely closed connection"
	msgUpstreamDuplicateHeader = "upstream sent duplicate header line"
	msgUpstreamInvalidCL       = `upstream sent invalid "Content-Length" header`
	msgUpstreamCLAndTE         = `upstream sent "Content-Length" and "Transfer-Encoding" headers at the same time`
	msgUpstreamUnknownTE       = `upstream sent unknown "Transfer-Encoding"`
	msgUpstreamTooManyInterim  = "upstream sent too many 1xx responses"
)

// ErrUpstreamClosed is returned by ReadResponse when the upstream closed the
// connection before sending a single byte of a response: on a reused keep-alive
// connection this is the case nginx retries without counting a try.
var ErrUpstreamClosed = &Error{Status: 502, Msg: msgUpstreamPrematureClose}

// maxInterimResponses bounds the 1xx responses skipped before a final one.
const maxInterimResponses = 16

// ReadResponse reads the next response head from an upstream connection into resp.
// headRequest tells that the request was HEAD (no body follows whatever the headers
// say). Interim 1xx responses other than 101 are read and dropped. Errors are
// *Error values with status 502 and nginx's message (ErrUpstreamClosed when nothing
// at all arrived), or I/O errors as they are; after any error the connection must
// not be reused.
func (rd *Reader) ReadResponse(resp *Response, headRequest bool) error {
	for skipped := 0; ; skipped++ {
		resp.reset()
		if err := rd.readResponseHead(resp, skipped == 0); err != nil {
			return err
		}
		if resp.Status >= 100 && resp.Status < 200 && resp.Status != 101 {
			if skipped >= maxInterimResponses {
				return newError(502, msgUpstreamTooManyInterim, nil)
			}
			continue
		}
		resp.Skipped1xx = skipped
		return resp.finish(headRequest)
	}
}

// readResponseHead reads the status line and headers within ResponseHeaderSize.
func (rd *Reader) readResponseHead(resp *Response, first bool) error {
	rd.compact()
	limit := rd.opt.ResponseHeaderSize
	start := rd.r
	pos, scan := start, start
	lineNo := 0
	for {
		i := bytes.IndexByte(rd.buf[scan:rd.w], '\n')
		if i < 0 {
			if lineNo == 0 && pos < rd.w {
				if err := checkStatusLinePrefix(rd.buf[pos:rd.w]); err != nil {
					return err
				}
			}
			scan = rd.w
			if rd.w-start >= limit || !rd.ensureRoom(limit) {
				return newError(502, msgUpstreamTooBigHeader, nil)
			}
			if err := rd.fill(); err != nil {
				if err == io.EOF {
					if first && rd.w == start {
						return ErrUpstreamClosed
					}
					return newError(502, msgUpstreamPrematureClose, nil)
				}
				return err
			}
			continue
		}
		end := scan + i
		if end+1-start > limit {
			return newError(502, msgUpstreamTooBigHeader, nil)
		}
		if lineNo == 0 {
			line := trimOneCR(rd.buf[pos:end])
			if err := parseStatusLine(resp, line); err != nil {
				return err
			}
		} else {
			raw := rd.buf[pos:end]
			if len(raw) == 0 || (len(raw) == 1 && raw[0] == '\r') {
				rd.r = end + 1
				rd.floor = rd.r
				resp.HeadLength = rd.r - start
				return nil
			}
			line := trimTrailingCR(raw)
			if len(line) == 0 {
				return newError(502, msgUpstreamInvalidHeader, raw)
			}
			if err := resp.parseHeaderLine(line); err != nil {
				return err
			}
		}
		lineNo++
		pos = end + 1
		scan = pos
	}
}

// checkStatusLinePrefix fails early on an unterminated status line that cannot be
// one (a backend speaking something else must not make us wait for more bytes).
func checkStatusLinePrefix(b []byte) *Error {
	if !hasPrefixPartial(b, "HTTP/") {
		return newError(502, msgUpstreamNoValidHeader, nil)
	}
	return nil
}

// parseStatusLine is ngx_http_parse_status_line on a line without its line ending:
// "HTTP/" major "." minor SP+ 3DIGIT [ (SP|".") text ].
func parseStatusLine(resp *Response, line []byte) *Error {
	n := len(line)
	if n < 5 || string(line[:5]) != "HTTP/" {
		return errNoValidHeader()
	}
	i := 5
	if i == n || line[i] < '1' || line[i] > '9' {
		return errNoValidHeader()
	}
	major := int(line[i] - '0')
	i++
	for i < n && isDigit(line[i]) {
		if major > 99 {
			return errNoValidHeader()
		}
		major = major*10 + int(line[i]-'0')
		i++
	}
	if i == n || line[i] != '.' {
		return errNoValidHeader()
	}
	i++
	if i == n || !isDigit(line[i]) {
		return errNoValidHeader()
	}
	minor := int(line[i] - '0')
	i++
	for i < n && isDigit(line[i]) {
		if minor > 99 {
			return errNoValidHeader()
		}
		minor = minor*10 + int(line[i]-'0')
		i++
	}
	if i == n || line[i] != ' ' {
		return errNoValidHeader()
	}
	for i < n && line[i] == ' ' {
		i++
	}
	if n-i < 3 || !isDigit(line[i]) || !isDigit(line[i+1]) || !isDigit(line[i+2]) {
		return errNoValidHeader()
	}
	status := int(line[i]-'0')*100 + int(line[i+1]-'0')*10 + int(line[i+2]-'0')
	statusStart := i
	i += 3
	if i < n && line[i] != ' ' && line[i] != '.' {
		return errNoValidHeader()
	}
	if bytes.IndexByte(line[i:], '\r') >= 0 {
		return errNoValidHeader()
	}
	if status < 100 {
		return errNoValidHeader()
	}
	resp.ProtoMajor, resp.ProtoMinor = major, minor
	resp.Status = status
	resp.StatusLine = line
	resp.StatusText = line[statusStart:]
	if i < n {
		resp.Reason = line[i+1:]
	} else {
		resp.Reason = line[n:]
	}
	return nil
}

func errNoValidHeader() *Error { return newError(502, msgUpstreamNoValidHeader, nil) }

// parseHeaderLine adds one upstream header and applies the framing rules of
// ngx_http_upstream.c: unique Content-Length and Transfer-Encoding, never both,
// only "chunked".
func (resp *Response) parseHeaderLine(line []byte) *Error {
	name, value, _, err := splitHeaderLine(line, true, true)
	if err != nil {
		return err
	}
	if name == nil {
		return nil
	}
	resp.Header.Fields = append(resp.Header.Fields, Field{Name: name, Value: value})
	switch len(name) {
	case 10:
		if equalFoldString(name, "connection") {
			if containsFold(value, "close") {
				resp.connClose = true
			}
		} else if equalFoldString(name, "keep-alive") {
			resp.parseKeepAlive(value)
		}
	case 14:
		if equalFoldString(name, "content-length") {
			if resp.clSeen {
				return newError(502, msgUpstreamDuplicateHeader, line)
			}
			resp.clSeen = true
			if resp.Chunked || resp.teSeen {
				return newError(502, msgUpstreamCLAndTE, nil)
			}
			n, ok := parseDecimal(value)
			if !ok {
				return newError(502, msgUpstreamInvalidCL, line)
			}
			resp.ContentLength = n
		}
	case 17:
		if equalFoldString(name, "transfer-encoding") {
			if resp.teSeen {
				return newError(502, msgUpstreamDuplicateHeader, line)
			}
			resp.teSeen = true
			if resp.clSeen {
				return newError(502, msgUpstreamCLAndTE, nil)
			}
			if !equalFoldString(value, "chunked") {
				return newError(502, msgUpstreamUnknownTE, value)
			}
			resp.Chunked = true
		}
	}
	return nil
}

// parseKeepAlive reads "timeout=N" (seconds) and "max=M" from a Keep-Alive header.
func (resp *Response) parseKeepAlive(v []byte) {
	for len(v) > 0 {
		var item []byte
		if i := bytes.IndexAny(v, ",;"); i >= 0 {
			item, v = v[:i], v[i+1:]
		} else {
			item, v = v, nil
		}
		item = bytes.TrimSpace(item)
		eq := bytes.IndexByte(item, '=')
		if eq < 0 {
			continue
		}
		key, val := bytes.TrimSpace(item[:eq]), bytes.TrimSpace(item[eq+1:])
		n, ok := parseDecimal(val)
		if !ok || n > 1<<31 {
			continue
		}
		switch {
		case equalFoldString(key, "timeout"):
			resp.KeepAliveTimeout = time.Duration(n) * time.Second
		case equalFoldString(key, "max"):
			resp.KeepAliveMax = int(n)
			resp.KeepAliveMaxSet = true
		}
	}
}

// reset prepares resp for reuse, keeping its header capacity.
func (resp *Response) reset() {
	fields := resp.Header.Fields
	clear(fields)
	if cap(fields) > maxRetainedFields {
		fields = nil // a freak head must not pin memory for the connection's life
	}
	*resp = Response{ContentLength: -1, Header: Header{Fields: fields[:0]}}
}

// finish decides how the body is delimited and whether the connection may be reused.
func (resp *Response) finish(headRequest bool) error {
	switch {
	case resp.Status == 101:
		resp.NoBody = true
		resp.KeepAlive = false
		return nil
	case headRequest || resp.Status == 204 || resp.Status == 304 || resp.Status < 200:
		resp.NoBody = true
	case resp.Chunked:
	case resp.ContentLength >= 0:
	default:
		resp.UntilClose = true
	}
	// nginx never keeps an HTTP/1.0 upstream connection (connection_close = 1).
	http11 := resp.ProtoMajor > 1 || resp.ProtoMinor >= 1
	resp.KeepAlive = http11 && !resp.connClose && !resp.UntilClose
	return nil
}
