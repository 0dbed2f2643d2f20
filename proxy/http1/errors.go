package http1

import (
	"errors"
	"strconv"
)

// Error is a protocol error with the status nginx answers with and the message nginx
// writes to its error log (e.g. "client sent invalid header line"). Status is the
// internal code (494 for an oversized header); StatusText/ErrorPage turn 494 into the
// 400 that nginx shows the client.
type Error struct {
	Status int    // nginx's status: 400, 414, 494, 501, 505 for clients; 502 for upstreams
	Msg    string // nginx's log message
	// Detail is the offending fragment (a header line, a Transfer-Encoding value), for the
	// log. It is copied, so it stays valid after the buffer is reused. Limited in length.
	Detail string
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return e.Msg + ": \"" + e.Detail + "\" (" + strconv.Itoa(e.Status) + ")"
	}
	return e.Msg + " (" + strconv.Itoa(e.Status) + ")"
}

// StatusOf returns the status nginx would answer with for err: the Error's status,
// or 0 when err is not an *Error (I/O errors: nginx closes without answering).
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

const maxDetail = 128

func newError(status int, msg string, detail []byte) *Error {
	if len(detail) > maxDetail {
		detail = detail[:maxDetail]
	}
	return &Error{Status: status, Msg: msg, Detail: string(detail)}
}

// Sentinel errors, compared with errors.Is (or ==).
var (
	// ErrClosedBeforeRequest: the client closed the connection before sending a
	// byte of a request; nginx closes silently (and logs at info level).
	ErrClosedBeforeRequest = errors.New("client closed connection while waiting for request")

	// ErrClientClosedHead: the client closed the connection in the middle of a
	// request head. nginx logs the request with status 400 and sends nothing.
	ErrClientClosedHead = &Error{Status: 400, Msg: msgPrematureClose}
)
