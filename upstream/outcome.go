package upstream

import "time"

// Special values of Outcome.Limit for slice_dyn values that are not a count.
const (
	// LimitMissing: slice_dyn's variable was empty or not found.
	LimitMissing = -1
	// LimitInvalid: slice_dyn's variable was not a non-negative integer.
	LimitInvalid = -2
)

// Outcome is what the proxy knows about an exchange when it gives the
// connection back with Pool.Put.
type Outcome struct {
	// Err is the exchange's error (including timeouts); non-nil never keeps.
	Err error
	// ResponseComplete: the response was read to its end (framing known)
	// and nothing beyond it: bytes a reader buffered past the end of the
	// response are unsolicited, report the response as not complete.
	ResponseComplete bool
	// UpstreamKeepAlive: the upstream allows another request: HTTP/1.1
	// without "Connection: close", or HTTP/1.0 with "Connection: keep-alive".
	UpstreamKeepAlive bool
	// RequestBodySent: the whole request body went out.
	RequestBodySent bool
	// KeepAliveTimeout is the timeout= of the response's Keep-Alive header,
	// 0 when absent.
	KeepAliveTimeout time.Duration
	// KeepAliveMax is the max= of the response's Keep-Alive header (the
	// requests the upstream still allows), 0 when absent. A server that has
	// none left sends "Connection: close" (UpstreamKeepAlive false).
	KeepAliveMax int
	// Key is the slice key (Group.SliceKey); ignored without slices. It is
	// cut to slice_keylen bytes here too.
	Key string
	// Limit is the slice limit (Group.SliceLimit): > 0 a count, 0 slice
	// disabled, LimitMissing or LimitInvalid for a bad slice_dyn value.
	// Ignored without slices.
	Limit int
}
