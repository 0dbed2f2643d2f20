package proxy

// A connection holds its request state (reqState: about 2 KB of fields, its
// reused buffers and its variable state, a vars.Request of about 3 KB) only
// while it is not parked. A parked connection gives it back to the server,
// which lends it to the next connection that needs one; making a fresh
// vars.Request would cost a getrandom call and allocations.

// state returns the connection's request state, taking one from the server
// when the connection holds none.
func (c *clientConn) state() *reqState {
	if c.st == nil {
		c.st = c.srv.takeReqState()
	}
	return c.st
}

// takeReqState returns a given-back request state, or a new one. begin
// prepares it for the request (and replaces a variable state made for an
// older runtime's registry).
func (s *Server) takeReqState() *reqState {
	if s != nil {
		if st, _ := s.reqStates.Get().(*reqState); st != nil {
			return st
		}
	}
	return new(reqState)
}

// giveBackState returns the request state of a connection that goes idle
// (no request in flight, nothing else refers to the state) to the server.
// It keeps no reference to the connection or the finished request.
func (c *clientConn) giveBackState() {
	st := c.st
	if st == nil || c.srv == nil {
		return
	}
	c.st = nil
	st.releaseBuffers()
	if st.vr != nil {
		st.vr.Reset() // drops the facts: the client, its request
	}
	st.c, st.rt, st.req = nil, nil, nil
	st.srv, st.loc, st.conf = nil, nil, nil
	c.srv.reqStates.Put(st)
}
