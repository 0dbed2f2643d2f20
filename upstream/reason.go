package upstream

import "fmt"

// Reason names why Put did not keep a connection. The constants are listed in
// the order Put checks them: the first failing check is the reason.
type Reason uint8

const (
	// ReasonNone means the connection was kept.
	ReasonNone Reason = iota
	// ReasonForeign: the connection is nil, from another pool, or not
	// currently handed out (a second Put).
	ReasonForeign
	// ReasonError: the exchange ended with an error or a timeout.
	ReasonError
	// ReasonMaxRequests: the connection carried keepalive_requests requests.
	ReasonMaxRequests
	// ReasonMaxLifetime: the connection is older than keepalive_time.
	ReasonMaxLifetime
	// ReasonResponseIncomplete: the response was not read to its end.
	ReasonResponseIncomplete
	// ReasonUpstreamClose: the upstream does not allow keepalive
	// (Connection: close, or HTTP/1.0 without keep-alive).
	ReasonUpstreamClose
	// ReasonRequestBodyUnsent: the request body was not sent completely.
	ReasonRequestBodyUnsent
	// ReasonShuttingDown: the pool is closed (reload or shutdown).
	ReasonShuttingDown
	// ReasonUpstreamMax: the upstream's Keep-Alive: max= allowance is used up.
	ReasonUpstreamMax
	// ReasonUpstreamTimeout: the upstream's Keep-Alive: timeout= is too short
	// to be worth keeping the connection.
	ReasonUpstreamTimeout
	// ReasonSliceVarMissing: slice_dyn's variable is empty or not found.
	ReasonSliceVarMissing
	// ReasonSliceVarInvalid: slice_dyn's variable is not a non-negative integer.
	ReasonSliceVarInvalid
	// ReasonSliceDisabled: the slice limit for this request is 0.
	ReasonSliceDisabled
	// ReasonSliceMismatch: the connection was kept under another slice key
	// before (a caller bug; keeping it would mix vhosts).
	ReasonSliceMismatch
	// ReasonSliceFull: the slice already holds its limit of idle connections.
	ReasonSliceFull
	// ReasonSlicePoolFull: the slice does not exist and slice_poolsize slices
	// are alive.
	ReasonSlicePoolFull
	// ReasonUnsolicited: the upstream sent bytes nobody asked for, or closed
	// the connection, before it could be parked.
	ReasonUnsolicited

	numReasons
)

var reasonNames = [numReasons]string{
	ReasonNone:               "kept",
	ReasonForeign:            "foreign connection",
	ReasonError:              "exchange failed",
	ReasonMaxRequests:        "keepalive_requests reached",
	ReasonMaxLifetime:        "keepalive_time reached",
	ReasonResponseIncomplete: "response not read completely",
	ReasonUpstreamClose:      "upstream disallows keepalive",
	ReasonRequestBodyUnsent:  "request body not sent completely",
	ReasonShuttingDown:       "shutting down",
	ReasonUpstreamMax:        "upstream keep-alive max reached",
	ReasonUpstreamTimeout:    "upstream keep-alive timeout too short",
	ReasonSliceVarMissing:    "slice variable is uninitialized",
	ReasonSliceVarInvalid:    "slice variable is not an integer",
	ReasonSliceDisabled:      "slice disabled",
	ReasonSliceMismatch:      "slice key changed",
	ReasonSliceFull:          "too many connections in slice",
	ReasonSlicePoolFull:      "slice pool full",
	ReasonUnsolicited:        "upstream sent data or closed",
}

// String returns the reason in words, as counted in Stats and logged.
func (r Reason) String() string {
	if r < numReasons {
		return reasonNames[r]
	}
	return fmt.Sprintf("reason(%d)", uint8(r))
}

// Reasons lists every refusal reason (ReasonNone excluded), in check order.
func Reasons() []Reason {
	out := make([]Reason, 0, numReasons-1)
	for r := ReasonNone + 1; r < numReasons; r++ {
		out = append(out, r)
	}
	return out
}

// RefusedError is the error Put returns when it did not keep a connection
// (it has closed it). Like net/http's errTooManyIdle it is an expected
// outcome, not a failure of the exchange: log it at debug.
type RefusedError struct {
	Reason Reason
}

func (e RefusedError) Error() string {
	return "upstream keepalive: connection not kept: " + e.Reason.String()
}
