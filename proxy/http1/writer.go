package http1

import (
	"io"
	"net"
	"strconv"
)

var crlf = []byte("\r\n")

// Continue100 is the interim response a proxy sends to a client that asked
// "Expect: 100-continue" before reading its body (nginx sends exactly this).
const Continue100 = "HTTP/1.1 100 Continue\r\n\r\n"

// AppendRequestLine appends "METHOD URI HTTP/1.x\r\n" (minor 0 or 1, as
// proxy_http_version).
func AppendRequestLine(dst, method, uri []byte, minor int) []byte {
	dst = append(dst, method...)
	dst = append(dst, ' ')
	dst = append(dst, uri...)
	if minor == 0 {
		return append(dst, " HTTP/1.0\r\n"...)
	}
	return append(dst, " HTTP/1.1\r\n"...)
}

// AppendField appends "Name: value\r\n".
func AppendField(dst, name, value []byte) []byte {
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// AppendFieldString is AppendField for string arguments.
func AppendFieldString(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// AppendHeader appends every field of h.
func AppendHeader(dst []byte, h *Header) []byte {
	for i := range h.Fields {
		dst = AppendField(dst, h.Fields[i].Name, h.Fields[i].Value)
	}
	return dst
}

// AppendRequestHead appends a whole upstream request head: request line, the fields
// of h and the empty line. Callers that filter or add headers use AppendRequestLine,
// AppendField and a final "\r\n" instead.
func AppendRequestHead(dst, method, uri []byte, minor int, h *Header) []byte {
	dst = AppendRequestLine(dst, method, uri, minor)
	dst = AppendHeader(dst, h)
	return append(dst, "\r\n"...)
}

// AppendStatusLine appends "HTTP/1.1 CODE REASON\r\n" with nginx's reason phrase
// (494, 495, 496, 497 show as 400 like nginx; an unknown code gets no phrase).
func AppendStatusLine(dst []byte, code int) []byte {
	shown := ShownStatus(code)
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(shown), 10)
	if text := StatusText(code); text != "" {
		dst = append(dst, ' ')
		dst = append(dst, text...)
	} else {
		dst = append(dst, ' ')
	}
	return append(dst, "\r\n"...)
}

// AppendUpstreamStatusLine appends "HTTP/1.1 " and the upstream's own status text
// ("200 OK", "403.1 Forbidden"): nginx passes upstream status lines through.
func AppendUpstreamStatusLine(dst []byte, resp *Response) []byte {
	dst = append(dst, "HTTP/1.1 "...)
	dst = append(dst, resp.StatusText...)
	return append(dst, "\r\n"...)
}

// AppendResponseHead appends a status line with nginx's phrase, the fields of h and
// the empty line.
func AppendResponseHead(dst []byte, code int, h *Header) []byte {
	dst = AppendStatusLine(dst, code)
	dst = AppendHeader(dst, h)
	return append(dst, "\r\n"...)
}

// AppendChunkHeader appends the size line of a chunk of n bytes: hex size and CRLF.
func AppendChunkHeader(dst []byte, n int) []byte {
	dst = strconv.AppendUint(dst, uint64(n), 16)
	return append(dst, "\r\n"...)
}

// ChunkedWriter encodes a body with chunked transfer coding: each Write is one chunk.
// When the destination is a TCP connection, a chunk goes out in one writev.
type ChunkedWriter struct {
	w    io.Writer
	size [18]byte
	bufs [3][]byte
	vec  net.Buffers
}

// NewChunkedWriter returns a ChunkedWriter writing to w.
func NewChunkedWriter(w io.Writer) *ChunkedWriter {
	return &ChunkedWriter{w: w}
}

// Reset makes cw write to w (reuse for the next message).
func (cw *ChunkedWriter) Reset(w io.Writer) { cw.w = w }

// Write writes p as one chunk; an empty p writes nothing (a zero-size chunk would end
// the body).
func (cw *ChunkedWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	cw.bufs[0] = AppendChunkHeader(cw.size[:0], len(p))
	cw.bufs[1] = p
	cw.bufs[2] = crlf
	cw.vec = cw.bufs[:]
	_, err := cw.vec.WriteTo(cw.w)
	cw.bufs[1] = nil
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close writes the last chunk, the trailer fields (may be nil) and the final CRLF.
func (cw *ChunkedWriter) Close(trailer *Header) error {
	if trailer == nil || trailer.Len() == 0 {
		_, err := io.WriteString(cw.w, "0\r\n\r\n")
		return err
	}
	buf := append(make([]byte, 0, 64), "0\r\n"...)
	buf = AppendHeader(buf, trailer)
	buf = append(buf, "\r\n"...)
	_, err := cw.w.Write(buf)
	return err
}

// CopyChunked re-chunks a body: it copies everything src decodes to dst as chunks,
// then ends the chunked body with src's trailers. This is how a chunked request body
// goes to an upstream and a response body to a client (as nginx does, the chunk
// boundaries and extensions of the sender are not kept).
func CopyChunked(dst *ChunkedWriter, src *BodyReader) (int64, error) {
	n, err := src.WriteTo(dst)
	if err != nil {
		return n, err
	}
	return n, dst.Close(&src.Trailer)
}
