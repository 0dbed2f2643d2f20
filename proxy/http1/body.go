package http1

import (
	"bytes"
	"errors"
	"io"
)

const (
	msgClientInvalidChunked   = "client sent invalid chunked body"
	msgUpstreamInvalidChunked = "upstream sent invalid chunked response"
	msgUpstreamPrematureBody  = "upstream prematurely closed connection while reading upstream"
)

type bodyKind uint8

const (
	bodyNone bodyKind = iota
	bodyLength
	bodyChunked
	bodyUntilClose
)

type chunkState uint8

const (
	chunkSize    chunkState = iota // expecting a chunk-size line
	chunkData                      // inside chunk data, remaining bytes left
	chunkDataEnd                   // expecting the CRLF after chunk data
	chunkTrailer                   // reading trailer lines
	chunkDone
)

// BodyReader reads one message body from a Reader, decoding chunked framing. It is
// meant to be reused (Reset) for every message of a connection. Read returns the
// payload and io.EOF at its end; a framing error is an *Error (400 for a client,
// 502 for an upstream) and the connection must not be reused.
type BodyReader struct {
	rd        *Reader
	kind      bodyKind
	state     chunkState
	remaining int64 // bytes left in the body (length) or in the current chunk
	consumed  int64 // bytes of the wire format consumed, framing included
	payload   int64 // payload bytes returned
	upstream  bool
	err       error

	// Trailer holds the trailer fields of a chunked body once Read returned io.EOF.
	// Its slices point into memory the BodyReader owns until the next Reset.
	Trailer     Header
	trailerBuf  []byte
	trailerSize int
}

// ResetForRequest prepares b to read req's body from rd.
func (b *BodyReader) ResetForRequest(rd *Reader, req *Request) {
	switch {
	case req.Chunked:
		b.reset(rd, bodyChunked, 0, false)
	case req.ContentLength > 0:
		b.reset(rd, bodyLength, req.ContentLength, false)
	default:
		b.reset(rd, bodyNone, 0, false)
	}
}

// ResetForResponse prepares b to read resp's body from rd (an upstream connection).
func (b *BodyReader) ResetForResponse(rd *Reader, resp *Response) {
	switch {
	case resp.NoBody:
		b.reset(rd, bodyNone, 0, true)
	case resp.Chunked:
		b.reset(rd, bodyChunked, 0, true)
	case resp.ContentLength >= 0:
		b.reset(rd, bodyLength, resp.ContentLength, true)
	default:
		b.reset(rd, bodyUntilClose, 0, true)
	}
}

// ResetLength prepares b to read exactly n bytes (n <= 0: an empty body).
func (b *BodyReader) ResetLength(rd *Reader, n int64, upstream bool) {
	if n <= 0 {
		b.reset(rd, bodyNone, 0, upstream)
		return
	}
	b.reset(rd, bodyLength, n, upstream)
}

// ResetChunked prepares b to decode a chunked body.
func (b *BodyReader) ResetChunked(rd *Reader, upstream bool) {
	b.reset(rd, bodyChunked, 0, upstream)
}

func (b *BodyReader) reset(rd *Reader, kind bodyKind, n int64, upstream bool) {
	b.rd, b.kind, b.remaining, b.upstream = rd, kind, n, upstream
	b.state = chunkSize
	b.consumed, b.payload, b.err = 0, 0, nil
	b.Trailer.Reset()
	b.trailerBuf = b.trailerBuf[:0]
	b.trailerSize = 0
	if kind == bodyNone {
		b.err = io.EOF
	}
}

// Consumed returns the bytes of the wire format read so far (chunk framing included):
// what $request_length and $upstream_bytes_received count.
func (b *BodyReader) Consumed() int64 { return b.consumed }

// PayloadRead returns the body bytes returned so far.
func (b *BodyReader) PayloadRead() int64 { return b.payload }

// Done reports whether the whole body has been read (the connection is positioned
// at the next message).
func (b *BodyReader) Done() bool { return b.err == io.EOF }

// Read reads decoded body bytes.
func (b *BodyReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	switch b.kind {
	case bodyLength:
		n, b.err = b.readLength(p)
	case bodyChunked:
		n, b.err = b.readChunked(p)
	case bodyUntilClose:
		n, b.err = b.rd.Read(p)
		b.consumed += int64(n)
	}
	b.payload += int64(n)
	if n > 0 && b.err != nil && b.err != io.EOF {
		// Report the bytes now and the error on the next call.
		return n, nil
	}
	return n, b.err
}

// readLength reads from a Content-Length body.
func (b *BodyReader) readLength(p []byte) (int, error) {
	if int64(len(p)) > b.remaining {
		p = p[:b.remaining]
	}
	n, err := b.rd.Read(p)
	b.remaining -= int64(n)
	b.consumed += int64(n)
	if b.remaining == 0 {
		return n, io.EOF
	}
	if err == io.EOF {
		return n, b.prematureEOF()
	}
	return n, err
}

func (b *BodyReader) prematureEOF() error {
	if b.upstream {
		return newError(502, msgUpstreamPrematureBody, nil)
	}
	return newError(400, msgPrematureClose, nil)
}

func (b *BodyReader) invalidChunked(detail []byte) error {
	if b.upstream {
		return newError(502, msgUpstreamInvalidChunked, detail)
	}
	return newError(400, msgClientInvalidChunked, detail)
}

// readChunked runs the chunked decoder (ngx_http_parse_chunked, strict: CRLF line
// endings, hex sizes without overflow) until it can return data or the body ends.
func (b *BodyReader) readChunked(p []byte) (int, error) {
	for {
		switch b.state {
		case chunkSize:
			line, err := b.readLine(b.rd.opt.MaxChunkSizeLine)
			if err != nil {
				return 0, err
			}
			size, ok := parseChunkSizeLine(line)
			if !ok {
				return 0, b.invalidChunked(line)
			}
			if size == 0 {
				b.state = chunkTrailer
			} else {
				b.remaining = size
				b.state = chunkData
			}
		case chunkData:
			if int64(len(p)) > b.remaining {
				p = p[:b.remaining]
			}
			n, err := b.rd.Read(p)
			b.remaining -= int64(n)
			b.consumed += int64(n)
			if b.remaining == 0 {
				b.state = chunkDataEnd
			}
			if err == io.EOF {
				if n > 0 {
					return n, nil
				}
				return 0, b.prematureEOF()
			}
			return n, err
		case chunkDataEnd:
			line, err := b.readLine(2)
			if err != nil {
				return 0, err
			}
			if len(line) != 2 {
				return 0, b.invalidChunked(line)
			}
			b.state = chunkSize
		case chunkTrailer:
			// The budget covers the fields; the final CRLF always fits.
			line, err := b.readLine(max(b.rd.opt.MaxTrailerSize-b.trailerSize, 0) + 2)
			if err != nil {
				return 0, err
			}
			if len(line) == 2 {
				b.state = chunkDone
				return 0, io.EOF
			}
			b.trailerSize += len(line)
			if err := b.addTrailer(line[:len(line)-2]); err != nil {
				return 0, err
			}
		default:
			return 0, io.EOF
		}
	}
}

// readLine consumes and returns the next line with its CRLF; a line must end with
// CRLF exactly (no bare LF, no CR elsewhere in the framing) and be at most max bytes.
// The slice is valid until the next read.
func (b *BodyReader) readLine(max int) ([]byte, error) {
	rd := b.rd
	scan := rd.r
	for {
		if i := bytes.IndexByte(rd.buf[scan:rd.w], '\n'); i >= 0 {
			end := scan + i + 1
			line := rd.buf[rd.r:end]
			if len(line) > max {
				return nil, b.invalidChunked(line[:min(len(line), maxDetail)])
			}
			if len(line) < 2 || line[len(line)-2] != '\r' || bytes.IndexByte(line[:len(line)-2], '\r') >= 0 {
				return nil, b.invalidChunked(line)
			}
			rd.r = end
			b.consumed += int64(len(line))
			return line, nil
		}
		if rd.w-rd.r >= max {
			return nil, b.invalidChunked(rd.buf[rd.r:min(rd.w, rd.r+maxDetail)])
		}
		scanned := rd.w - rd.r
		if err := rd.bodyFill(); err != nil {
			if err == io.EOF {
				return nil, b.prematureEOF()
			}
			return nil, err
		}
		scan = rd.r + scanned
	}
}

// parseChunkSizeLine parses "HEX[ext]\r\n": at least one hex digit, no overflow of
// int64, then nothing or an extension introduced by ';', SP or HTAB.
func parseChunkSizeLine(line []byte) (int64, bool) {
	line = line[:len(line)-2]
	var size int64
	i := 0
	for ; i < len(line) && isHexDigit[line[i]]; i++ {
		if size > (1<<63-1)/16 {
			return 0, false
		}
		size = size*16 + unhex(line[i])
	}
	if i == 0 {
		return 0, false
	}
	if i < len(line) {
		switch line[i] {
		case ';', ' ', '\t':
		default:
			return 0, false
		}
	}
	return size, true
}

// addTrailer copies a trailer field into memory owned by b.
func (b *BodyReader) addTrailer(line []byte) error {
	if len(line) == 0 {
		return b.invalidChunked(nil)
	}
	name, value, _, perr := splitHeaderLine(line, true, false)
	if perr != nil || name == nil {
		return b.invalidChunked(line)
	}
	if isFramingField(name) {
		// A trailer must not carry framing or routing (RFC 9110 6.5.1); forwarding
		// one could let a lenient receiver re-frame the message. Dropped.
		return nil
	}
	// Copy: the Reader's buffer is reused for the next bytes. If the array has to
	// grow, fields added before keep pointing at the old one, which stays valid.
	start := len(b.trailerBuf)
	b.trailerBuf = append(b.trailerBuf, name...)
	b.trailerBuf = append(b.trailerBuf, value...)
	all := b.trailerBuf[start:len(b.trailerBuf):len(b.trailerBuf)]
	b.Trailer.Add(all[:len(name):len(name)], all[len(name):])
	return nil
}

// WriteTo copies the decoded body to w, writing straight from the Reader's buffer
// (no intermediate copy); a Content-Length body read past the buffer goes through
// io.CopyN so that the kernel may splice socket to socket.
func (b *BodyReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for b.err == nil {
		rd := b.rd
		if b.kind == bodyLength && rd.r == rd.w {
			n, err := io.CopyN(w, rd.src, b.remaining)
			rd.read += n
			b.remaining -= n
			b.consumed += n
			b.payload += n
			total += n
			switch {
			case b.remaining == 0:
				b.err = io.EOF
			case err == io.EOF:
				b.err = b.prematureEOF()
			case err != nil:
				return total, err
			}
			continue
		}
		if b.kind == bodyUntilClose {
			n, err := rd.WriteTo(w)
			b.consumed += n
			b.payload += n
			total += n
			if err != nil {
				return total, err
			}
			b.err = io.EOF
			continue
		}
		chunk, err := b.next()
		if len(chunk) > 0 {
			n, werr := w.Write(chunk)
			total += int64(n)
			if werr != nil {
				return total, werr
			}
		}
		if err != nil {
			b.err = err
		}
	}
	if b.err == io.EOF {
		return total, nil
	}
	return total, b.err
}

// next returns the next run of decoded bytes as a slice of the Reader's buffer
// (valid until the next call) and consumes it.
func (b *BodyReader) next() ([]byte, error) {
	rd := b.rd
	if b.kind == bodyChunked && b.state != chunkData {
		// Runs the framing up to the next chunk's data (a zero-length read).
		if _, err := b.readChunked(nil); err != nil {
			return nil, err
		}
	}
	if rd.r == rd.w {
		if err := rd.bodyFill(); err != nil {
			if err == io.EOF {
				return nil, b.prematureEOF()
			}
			return nil, err
		}
	}
	n := int64(rd.w - rd.r)
	if n > b.remaining {
		n = b.remaining
	}
	chunk := rd.buf[rd.r : rd.r+int(n)]
	rd.r += int(n)
	b.remaining -= n
	b.consumed += n
	b.payload += n
	if b.remaining == 0 {
		if b.kind == bodyLength {
			return chunk, io.EOF
		}
		b.state = chunkDataEnd
	}
	return chunk, nil
}

// isFramingField lists the fields dropped from trailers.
func isFramingField(name []byte) bool {
	switch len(name) {
	case 4:
		return equalFoldString(name, "host")
	case 7:
		return equalFoldString(name, "trailer") || equalFoldString(name, "upgrade")
	case 10:
		return equalFoldString(name, "connection") || equalFoldString(name, "keep-alive")
	case 14:
		return equalFoldString(name, "content-length")
	case 17:
		return equalFoldString(name, "transfer-encoding")
	}
	return false
}

// Discard reads and drops the rest of the body, at most max bytes of payload
// (nginx's ngx_http_discard_request_body, so that a keep-alive connection can carry
// the next request after an error page). It returns the bytes dropped; an error
// when the body is longer than max or its framing is broken (then close).
func (b *BodyReader) Discard(max int64) (int64, error) {
	var dropped int64
	for b.err == nil {
		if dropped > max {
			return dropped, errBodyTooLong
		}
		chunk, err := b.nextDiscard()
		dropped += int64(len(chunk))
		if err != nil {
			b.err = err
		}
	}
	if dropped > max {
		return dropped, errBodyTooLong
	}
	if b.err == io.EOF {
		return dropped, nil
	}
	return dropped, b.err
}

// errBodyTooLong is returned by Discard when the body exceeds its limit.
var errBodyTooLong = errors.New("http1: body longer than the discard limit")

// nextDiscard is next for every body kind.
func (b *BodyReader) nextDiscard() ([]byte, error) {
	if b.kind == bodyUntilClose {
		rd := b.rd
		if rd.r == rd.w {
			if err := rd.bodyFill(); err != nil {
				return nil, err
			}
		}
		chunk := rd.buf[rd.r:rd.w]
		rd.r = rd.w
		b.consumed += int64(len(chunk))
		b.payload += int64(len(chunk))
		return chunk, nil
	}
	return b.next()
}
