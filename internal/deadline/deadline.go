// Package deadline arms a connection's read or write deadline lazily, the
// way nginx arms its event timers.
//
// Setting a deadline on a Go connection re-arms a runtime timer (two clock
// reads, the timer heap's lock, a heap fix-up). A keep-alive connection
// serving requests back to back asks for nearly the same deadline each time
// (now + proxy_read_timeout, now + send_timeout, ...), and nginx's
// ngx_event_add_timer keeps an armed timer when the new one is less than
// NGX_TIMER_LAZY_DELAY (300 ms) away from it, "to minimize the rbtree
// operations for fast connections". Lazy does the same with one difference:
// it keeps the armed deadline only when the new one is later, and by at most
// an eighth of the timeout asked for, so a kept deadline is never later than
// asked and never sooner than 7/8 of the timeout (a 60 s timeout may end up
// to 300 ms early, a 1 s one 125 ms, a 10 ms one 1.25 ms) — nginx's may also
// be late.
package deadline

import (
	"net"
	"time"
)

// MaxSlack is how much earlier than asked a kept deadline may be
// (nginx's NGX_TIMER_LAZY_DELAY).
const MaxSlack = 300 * time.Millisecond

// Lazy remembers the deadline armed in one direction (read or write) of one
// connection. Every deadline set in that direction must go through it (or be
// recorded with Armed), or it would keep a deadline that is no longer there.
// The zero value has nothing armed. Not safe for concurrent use: a
// direction's deadline has one owner at a time, like the connection's Read
// or Write.
type Lazy struct {
	armed time.Time
}

// keeps reports whether the armed deadline can stand in for t, asked at now.
func (l *Lazy) keeps(now, t time.Time) bool {
	if l.armed.IsZero() || t.IsZero() || t.Before(l.armed) {
		return false
	}
	slack := min(t.Sub(now)/8, MaxSlack)
	return t.Sub(l.armed) <= slack
}

// SetRead sets c's read deadline to t unless the armed one can stand in for
// it. now is the caller's reading of the clock (t is usually now plus a
// timeout).
func (l *Lazy) SetRead(c net.Conn, now, t time.Time) error {
	if l.keeps(now, t) {
		return nil
	}
	l.armed = t
	return c.SetReadDeadline(t)
}

// SetWrite is SetRead for the write deadline.
func (l *Lazy) SetWrite(c net.Conn, now, t time.Time) error {
	if l.keeps(now, t) {
		return nil
	}
	l.armed = t
	return c.SetWriteDeadline(t)
}

// Armed records a deadline set on the connection directly (the zero time
// for none).
func (l *Lazy) Armed(t time.Time) { l.armed = t }

// SetReadBetween keeps the armed read deadline when it lies between lo and
// hi and sets hi otherwise: for a wait whose exact end does not matter (the
// keep-alive grace before a connection is parked), so that a connection
// serving request after request re-arms it once per hi-lo instead of once
// per request.
func (l *Lazy) SetReadBetween(c net.Conn, lo, hi time.Time) error {
	if !l.armed.IsZero() && !l.armed.Before(lo) && !l.armed.After(hi) {
		return nil
	}
	l.armed = hi
	return c.SetReadDeadline(hi)
}

// Deadline returns the armed deadline (the zero time for none or unknown).
func (l *Lazy) Deadline() time.Time { return l.armed }
