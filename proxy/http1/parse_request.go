package http1

import "bytes"

// The request line and header line grammar of nginx's ngx_http_parse_request_line and
// ngx_http_parse_header_line, over one line at a time. Lines arrive without their LF
// and trailing CRs. complete=false means the line has not ended yet (it is being
// checked because it outgrew the buffers): then only errors the bytes seen so far
// already prove are reported, and running out of bytes is not an error.

// parseRequestLine fills Method, Target, Path, Query, Host, Scheme and the version.
func (rd *Reader) parseRequestLine(req *Request, line []byte, complete bool) *Error {
	n := len(line)
	i := 0
	for i < n && isMethodChar[line[i]] {
		i++
	}
	if i == n {
		if !complete {
			return nil
		}
		return newError(400, msgInvalidMethod, nil)
	}
	if i == 0 || line[i] != ' ' {
		return newError(400, msgInvalidMethod, nil)
	}
	req.Method = line[:i]
	for i < n && line[i] == ' ' {
		i++
	}
	if i == n {
		if !complete {
			return nil
		}
		return newError(400, msgInvalidRequest, nil)
	}

	var err *Error
	switch {
	case req.isMethod("CONNECT"):
		i, err = rd.parseAuthority(req, line, i, complete, true)
	case line[i] == '/':
		i, err = parseOriginTarget(req, line, i)
	case isAlpha(line[i]):
		i, err = rd.parseAbsoluteTarget(req, line, i, complete)
	default:
		return newError(400, msgInvalidRequest, nil)
	}
	if err != nil || i < 0 {
		return err // i < 0: incomplete line, nothing wrong yet
	}

	// HTTP/0.9 has no version; nginx serves it, we do not (see README Deviations).
	for i < n && line[i] == ' ' {
		i++
	}
	if i == n {
		if !complete {
			return nil
		}
		if req.isMethod("GET") {
			return newError(400, msgHTTP09, nil)
		}
		return newError(400, msgInvalid09Method, nil)
	}
	return parseVersion(req, line, i, complete)
}

// parseOriginTarget reads "/path?query" from line[i:] up to a space or the end.
// It returns the index after the target.
func parseOriginTarget(req *Request, line []byte, i int) (int, *Error) {
	start := i
	q, h := -1, -1
	complex := false
	for ; i < len(line); i++ {
		c := line[i]
		if c == ' ' {
			break
		}
		if isCtl(c) {
			return 0, newError(400, msgInvalidRequest, nil)
		}
		switch c {
		case '?':
			if q < 0 && h < 0 {
				q = i
			}
		case '#':
			if h < 0 {
				h = i
				complex = true
			}
		case '%':
			if q < 0 {
				complex = true
			}
		case '.', '/':
			if q < 0 && h < 0 && i > start && line[i-1] == '/' {
				complex = true
			}
		}
	}
	setTarget(req, line[start:i], q-start, h-start, complex)
	return i, nil
}

// setTarget splits the target like nginx: the path ends at the first '?' or '#',
// the query runs from '?' to a later '#'.
func setTarget(req *Request, t []byte, q, h int, complex bool) {
	req.Target = t
	req.NeedsNormalization = complex
	switch {
	case q >= 0:
		req.Path = t[:q]
		req.HasQuery = true
		if h > q {
			req.Query = t[q+1 : h]
		} else {
			req.Query = t[q+1:]
		}
	case h >= 0:
		req.Path = t[:h]
	default:
		req.Path = t
	}
}

var slash = []byte("/")

// parseAbsoluteTarget reads "scheme://host[:port][/path][?query]" from line[i:].
// It returns -1 when the line ends before the target does and complete is false.
func (rd *Reader) parseAbsoluteTarget(req *Request, line []byte, i int, complete bool) (int, *Error) {
	n := len(line)
	start := i
	for i < n && isSchemeChar[line[i]] {
		i++
	}
	rest := line[i:]
	if !hasPrefixPartial(rest, "://") {
		return 0, newError(400, msgInvalidRequest, nil)
	}
	if len(rest) < 3 {
		if !complete {
			return -1, nil
		}
		return 0, newError(400, msgInvalidRequest, nil)
	}
	req.Scheme = line[start:i]
	i += 3
	i, err := rd.parseAuthority(req, line, i, complete, false)
	if err != nil || i < 0 {
		return i, err
	}
	switch {
	case i < n && line[i] == '/':
		return parseOriginTarget(req, line, i)
	case i < n && line[i] == '?':
		// "http://host?args": nginx keeps "?args" as $request_uri and "/" as the path.
		j, err := parseOriginTarget(req, line, i)
		if err != nil {
			return 0, err
		}
		req.Path = slash
		req.NeedsNormalization = true
		return j, nil
	default: // a space: the target is just the host, its path is "/"
		req.Target = slash
		req.Path = slash
		return i, nil
	}
}

// parseAuthority reads "host[:port]" (host may be an IP literal) from line[i:] and
// sets req.Host to the validated, lowercased host. For CONNECT the port is
// required and the authority must be followed by a space; otherwise '/', '?' or a
// space must follow. It returns -1 for an incomplete line.
func (rd *Reader) parseAuthority(req *Request, line []byte, i int, complete, connect bool) (int, *Error) {
	n := len(line)
	start := i
	if i < n && line[i] == '[' {
		i++
		for i < n && isIPLiteralChar[line[i]] {
			i++
		}
		if i == n {
			if !complete {
				return -1, nil
			}
			return 0, newError(400, msgInvalidRequest, nil)
		}
		if line[i] != ']' {
			return 0, newError(400, msgInvalidRequest, nil)
		}
		i++
	} else {
		for i < n && isHostChar[line[i]] {
			i++
		}
	}
	hasPort := false
	if i < n && line[i] == ':' {
		hasPort = true
		i++
		for i < n && isDigit(line[i]) {
			i++
		}
	}
	if i == n {
		if !complete {
			return -1, nil
		}
		return 0, newError(400, msgInvalidRequest, nil)
	}
	switch c := line[i]; {
	case connect:
		if c != ' ' || !hasPort {
			return 0, newError(400, msgInvalidRequest, nil)
		}
	case c != '/' && c != '?' && c != ' ':
		return 0, newError(400, msgInvalidRequest, nil)
	}
	host, ok := validateHost(line[start:i])
	if !ok {
		return 0, newError(400, msgInvalidHostLine, nil)
	}
	req.Host = rd.lowerHost(host)
	return i, nil
}

// parseVersion reads "HTTP/major.minor" and optional trailing spaces from line[i:].
func parseVersion(req *Request, line []byte, i int, complete bool) *Error {
	n := len(line)
	if !hasPrefixPartial(line[i:], "HTTP/") {
		return errInvalidRequest()
	}
	if n-i < 6 {
		if !complete {
			return nil
		}
		return errInvalidRequest()
	}
	protoStart := i
	j := i + 5
	if line[j] < '1' || line[j] > '9' {
		return errInvalidRequest()
	}
	major := int(line[j] - '0')
	j++
	if major > 1 {
		return newError(505, msgInvalidVersion, nil)
	}
	for j < n && isDigit(line[j]) {
		major = major*10 + int(line[j]-'0')
		if major > 1 {
			return newError(505, msgInvalidVersion, nil)
		}
		j++
	}
	if j == n {
		if !complete {
			return nil
		}
		return errInvalidRequest()
	}
	if line[j] != '.' {
		return errInvalidRequest()
	}
	j++
	if j == n {
		if !complete {
			return nil
		}
		return errInvalidRequest()
	}
	if !isDigit(line[j]) {
		return errInvalidRequest()
	}
	minor := int(line[j] - '0')
	j++
	for j < n && isDigit(line[j]) {
		if minor > 99 {
			return errInvalidRequest()
		}
		minor = minor*10 + int(line[j]-'0')
		j++
	}
	protoEnd := j
	for j < n && line[j] == ' ' {
		j++
	}
	if j < n {
		return errInvalidRequest()
	}
	req.ProtoMajor, req.ProtoMinor = major, minor
	req.Proto = line[protoStart:protoEnd]
	return nil
}

// validateHost is ngx_http_validate_host: it returns the host without port and
// without one trailing dot, rejecting "..", '/', NUL and an empty host.
func validateHost(h []byte) ([]byte, bool) {
	const (
		usual = iota
		literal
		rest
	)
	dotPos := -2
	hostLen := len(h)
	state := usual
	for i, c := range h {
		switch c {
		case '.':
			if dotPos == i-1 {
				return nil, false
			}
			dotPos = i
		case ':':
			if state == usual {
				hostLen = i
				state = rest
			}
		case '[':
			if i == 0 {
				state = literal
			}
		case ']':
			if state == literal {
				hostLen = i + 1
				state = rest
			}
		case 0, '/':
			return nil, false
		}
	}
	if dotPos == hostLen-1 {
		hostLen--
	}
	if hostLen <= 0 {
		return nil, false
	}
	return h[:hostLen], true
}

// lowerHost returns h lowercased, in the Reader's scratch space when it has upper
// case letters (the head itself stays as received).
func (rd *Reader) lowerHost(h []byte) []byte {
	upper := false
	for _, c := range h {
		if 'A' <= c && c <= 'Z' {
			upper = true
			break
		}
	}
	if !upper {
		return h
	}
	if cap(rd.scratch)-len(rd.scratch) < len(h) {
		// A fresh array: earlier results in the old one stay valid.
		rd.scratch = make([]byte, 0, max(2*cap(rd.scratch), len(h), 256))
	}
	start := len(rd.scratch)
	for _, c := range h {
		rd.scratch = append(rd.scratch, lower(c))
	}
	return rd.scratch[start:len(rd.scratch):len(rd.scratch)]
}

// selectRules switches the header rules to those of the server host selects
// (Options.HostRules), for the header lines still to come.
func (rd *Reader) selectRules(host []byte) {
	if rd.opt.HostRules == nil {
		return
	}
	rd.rules = rd.opt.HostRules.RulesForHost(rd.lowerHost(host))
}

// parseHeaderLine parses "Name: value" and applies nginx's per-header handlers.
func (rd *Reader) parseHeaderLine(req *Request, line []byte, complete bool) *Error {
	name, value, invalid, err := splitHeaderLine(line, rd.rules.UnderscoresInHeaders, false)
	if err != nil {
		return err
	}
	if !complete {
		return nil
	}
	if name == nil {
		return nil // an ignored line (only upstream "HTTP/..." lines)
	}
	if invalid && !rd.rules.KeepInvalidHeaders {
		return nil // ignore_invalid_headers: dropped silently (nginx logs at info)
	}
	req.Header.Fields = append(req.Header.Fields, Field{Name: name, Value: value})
	if invalid {
		return nil // kept but never one of the headers below
	}
	return rd.handleRequestHeader(req, name, value)
}

// splitHeaderLine is the byte-level grammar of a header line shared by requests and
// responses. It returns invalid=true for a name nginx calls invalid (other characters
// than letters, digits, '-', and '_' unless allowed), an *Error for a line nginx
// rejects, and a nil name for a line to ignore (upstream only).
func splitHeaderLine(line []byte, underscores, upstream bool) (name, value []byte, invalid bool, err *Error) {
	if len(line) == 0 {
		// Only CRs before the LF: nginx wants LF right after the first CR.
		return nil, nil, false, errInvalidHeader(upstream, line)
	}
	c0 := line[0]
	if c0 <= 0x20 || c0 == 0x7f || c0 == ':' {
		// Also catches obs-fold: a continuation line starts with SP or HTAB.
		return nil, nil, false, errInvalidHeader(upstream, line)
	}
	i := 0
	for ; i < len(line); i++ {
		c := line[i]
		if isHeaderNameChar[c] {
			continue
		}
		if c == ':' {
			break
		}
		if c == '_' {
			if !underscores {
				invalid = true
			}
			continue
		}
		if c == '/' && upstream && i == 4 && string(line[:4]) == "HTTP" {
			// IIS may send a duplicate status line among the headers.
			return nil, nil, false, nil
		}
		if c <= 0x20 || c == 0x7f {
			return nil, nil, false, errInvalidHeader(upstream, line)
		}
		invalid = true
	}
	name = line[:i]
	if i == len(line) {
		// nginx takes a line without a colon as a header with an empty value.
		return name, line[i:], invalid, nil
	}
	i++
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	v := line[i:]
	// NUL anywhere, or a CR that is not part of the line ending, is invalid. Two
	// vectorised searches beat a byte loop on typical (long, clean) values.
	if bytes.IndexByte(v, 0) >= 0 || bytes.IndexByte(v, '\r') >= 0 {
		return nil, nil, false, errInvalidHeader(upstream, line)
	}
	end := len(v)
	for end > 0 && (v[end-1] == ' ' || v[end-1] == '\t') {
		end--
	}
	return name, v[:end:end], invalid, nil
}

func errInvalidRequest() *Error { return newError(400, msgInvalidRequest, nil) }

func errInvalidHeader(upstream bool, line []byte) *Error {
	if upstream {
		return newError(502, msgUpstreamInvalidHeader, line)
	}
	return newError(400, msgInvalidHeaderLine, line)
}

// handleRequestHeader is nginx's table of request header handlers (ngx_http_headers_in):
// Host is validated and must be unique, a few headers must be unique, Connection sets
// the keep-alive type, and the framing headers are remembered for finish.
func (rd *Reader) handleRequestHeader(req *Request, name, value []byte) *Error {
	switch len(name) {
	case 4:
		if equalFoldString(name, "host") {
			if req.hostSeen {
				return newError(400, msgDuplicateHost, value)
			}
			req.hostSeen = true
			req.HostHeader = value
			h, ok := validateHost(value)
			if !ok {
				return newError(400, msgInvalidHost, value)
			}
			if req.Host == nil {
				// ngx_http_process_host: the first Host selects the server
				// unless the request line's absolute URI already did.
				rd.selectRules(h)
			}
		}
	case 6:
		if equalFoldString(name, "expect") {
			if req.expectSeen {
				return newError(400, msgDuplicateHeader, value)
			}
			req.expectSeen = true
			req.Expect100 = equalFoldString(value, "100-continue")
		}
	case 7:
		if equalFoldString(name, "upgrade") {
			req.Upgrade = true
		}
	case 10:
		if equalFoldString(name, "connection") {
			// ngx_http_process_connection: a substring search, the last header wins.
			if containsFold(value, "close") {
				req.connection = connClose
			} else if containsFold(value, "keep-alive") {
				req.connection = connKeepAlive
			}
			if containsFold(value, "upgrade") {
				req.connUpgrade = true
			}
		}
	case 14:
		if equalFoldString(name, "content-length") {
			if req.clValue != nil {
				return newError(400, msgDuplicateHeader, value)
			}
			req.clValue = value
		}
	case 17:
		if equalFoldString(name, "transfer-encoding") {
			if req.teValue != nil {
				return newError(400, msgDuplicateHeader, value)
			}
			req.teValue = value
		}
	}
	if isUniqueRequestHeader(name) && req.Header.countName(name) > 1 {
		return newError(400, msgDuplicateHeader, value)
	}
	return nil
}

// isUniqueRequestHeader lists the other headers nginx rejects when repeated
// (ngx_http_process_unique_header_line); Content-Length, Transfer-Encoding and
// Expect are handled above.
func isUniqueRequestHeader(name []byte) bool {
	switch len(name) {
	case 8:
		return equalFoldString(name, "if-match") || equalFoldString(name, "if-range")
	case 13:
		return equalFoldString(name, "if-none-match") || equalFoldString(name, "content-range") ||
			equalFoldString(name, "authorization")
	case 17:
		return equalFoldString(name, "if-modified-since")
	case 19:
		return equalFoldString(name, "if-unmodified-since")
	}
	return false
}
