package http1

import (
	"errors"
	"io"
	"os"
	"syscall"
	"time"
)

// initialBufferSize is the first allocation of a Reader's buffer: big enough for a
// typical request or response head and the start of its body in one read.
const initialBufferSize = 4096

// Reader is the buffered read side of one connection (client or upstream). It is
// reused for every request or response on that connection; head slices it hands out
// point into its buffer and stay valid until the next ReadRequest/ReadResponse or
// Release (reading the body does not disturb them). A Reader is not safe for
// concurrent use.
type Reader struct {
	src  io.Reader
	opt  Options
	buf  []byte
	r, w int   // unread bytes are buf[r:w]
	err  error // sticky error from src, returned once the buffer is drained
	// floor is the end of the last head: body and raw reads never write below it, so
	// the head's slices stay valid while its body streams.
	floor int
	// read counts bytes received from src (the proxy tells "nothing arrived" from
	// "something arrived" on a reused upstream connection).
	read int64

	// rules are the header rules of the current request's server: the
	// Options' until the host selects another one (Options.HostRules).
	rules HeaderRules

	// scratch holds lowercased host names so that the raw head stays untouched.
	scratch []byte
	// uriBuf holds the normalised path of the current request when it differs from
	// the raw one.
	uriBuf []byte

	// With Options.Buffers: bufPtr is the pooled buffer behind buf (nil when buf is
	// not from the pool), raw the connection's RawConn for idle waits.
	bufPtr  *[]byte
	raw     syscall.RawConn
	idleFn  func(fd uintptr) bool
	idleN   int
	idleErr error

	// softHard and extend: see SetSoftDeadline.
	softHard time.Time
	extend   func(hard time.Time) error
}

// NewReader returns a Reader over src with the given options (zero fields take
// nginx's defaults).
func NewReader(src io.Reader, opt Options) *Reader {
	rd := &Reader{src: src, opt: opt.withDefaults()}
	rd.setupIdleRead()
	return rd
}

// SetSoftDeadline lets the connection's armed read deadline be earlier than
// hard, the deadline that counts: a read it ends before hard calls
// extend(hard) (set with SetDeadlineExtender), which arms hard, and reads
// again. The zero time turns this off. It covers the reads of heads and of
// Read (not WriteTo's copies).
//
// The client side uses it so that a connection answering request after
// request keeps one armed deadline — the short wait before it is parked —
// instead of re-arming a runtime timer twice per request: the head and body
// reads' deadlines (keepalive_timeout, client_body_timeout) are only armed
// when a read actually waits past the short one.
func (rd *Reader) SetSoftDeadline(hard time.Time) { rd.softHard = hard }

// SetDeadlineExtender sets the function SetSoftDeadline's extension calls.
func (rd *Reader) SetDeadlineExtender(extend func(hard time.Time) error) { rd.extend = extend }

// extendDeadline reports whether err is a read deadline that fired before
// the soft deadline and was moved to it; the read is then tried again. The
// soft deadline is used up: the deadline armed now is the one that counts.
func (rd *Reader) extendDeadline(err error) bool {
	if rd.softHard.IsZero() || rd.extend == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	hard := rd.softHard
	rd.softHard = time.Time{}
	return time.Now().Before(hard) && rd.extend(hard) == nil
}

// Reset discards buffered data and reads from src from now on, keeping the buffer's
// memory for reuse (a pooled Reader for a new connection).
func (rd *Reader) Reset(src io.Reader) {
	rd.src = src
	rd.r, rd.w, rd.floor = 0, 0, 0
	rd.err = nil
	rd.read = 0
	rd.setupIdleRead()
}

// BytesRead returns how many bytes were received from the connection so far.
func (rd *Reader) BytesRead() int64 { return rd.read }

// Options returns the options in effect (defaults filled in).
func (rd *Reader) Options() Options { return rd.opt }

// Buffered returns the number of bytes read from the connection but not consumed:
// pipelined requests, or body bytes that arrived with the head.
func (rd *Reader) Buffered() int { return rd.w - rd.r }

// Release drops the buffer when nothing is buffered, so that an idle keep-alive
// connection holds no buffer memory (nginx frees its client buffer the same way):
// with Options.Buffers it goes back to the pool, and the next ReadRequest waits for
// the socket to be readable before taking one. Every slice handed out before
// becomes invalid. Without a pool the next read allocates a new buffer.
func (rd *Reader) Release() {
	if rd.r != rd.w {
		return
	}
	rd.releaseIdleBuffer()
	if cap(rd.uriBuf) > 1024 {
		rd.uriBuf = nil
	}
}

// releaseIdleBuffer gives the buffer back (to the pool when it came from there).
func (rd *Reader) releaseIdleBuffer() {
	if rd.bufPtr != nil && rd.opt.Buffers != nil {
		rd.opt.Buffers.put(rd.bufPtr)
	}
	rd.buf, rd.bufPtr = nil, nil
	rd.r, rd.w, rd.floor = 0, 0, 0
}

// newBuffer returns a first buffer: pooled when there is a pool.
func (rd *Reader) newBuffer() {
	if rd.opt.Buffers != nil {
		rd.bufPtr, rd.buf = rd.opt.Buffers.get()
		return
	}
	rd.buf, rd.bufPtr = make([]byte, initialBufferSize), nil
}

// replaceBuffer installs a bigger buffer. A pooled buffer it replaces is not given
// back: the current head's slices may still point into it.
func (rd *Reader) replaceBuffer(nb []byte) {
	rd.buf, rd.bufPtr = nb, nil
}

// Read reads raw bytes: buffered ones first, then from the connection. It is what
// a tunnel (101 Switching Protocols) or an until-close body uses after the head.
func (rd *Reader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if rd.r < rd.w {
		n := copy(p, rd.buf[rd.r:rd.w])
		rd.r += n
		return n, nil
	}
	if rd.err != nil {
		return 0, rd.readErr()
	}
	// Large reads bypass the buffer: no copy for bodies.
	if len(p) >= len(rd.buf)-rd.floor {
		return rd.readDirect(p)
	}
	if err := rd.bodyFill(); err != nil {
		return 0, err
	}
	n := copy(p, rd.buf[rd.r:rd.w])
	rd.r += n
	return n, nil
}

// readDirect reads from the connection into p, bypassing the buffer.
func (rd *Reader) readDirect(p []byte) (int, error) {
	n, err := rd.src.Read(p)
	for n == 0 && err != nil && rd.extendDeadline(err) {
		n, err = rd.src.Read(p)
	}
	rd.read += int64(n)
	if err != nil {
		rd.err = err
		if n > 0 {
			return n, nil
		}
		return 0, rd.readErr()
	}
	return n, nil
}

// minBodyRoom is the least free space body reads want above the head.
const minBodyRoom = 2048

// bodyFill reads more bytes for a body or tunnel without touching the bytes below
// floor (the current head). Unread bytes are kept; they are moved down to floor when
// the buffer's end is reached. When the space above the head is too small, a fresh
// buffer replaces the old one (the head's slices keep the old array alive).
func (rd *Reader) bodyFill() error {
	if rd.r == rd.w {
		rd.r, rd.w = rd.floor, rd.floor
	}
	if rd.buf == nil {
		rd.newBuffer()
		rd.r, rd.w, rd.floor = 0, 0, 0
	} else if len(rd.buf)-rd.floor < minBodyRoom {
		nb := make([]byte, max(initialBufferSize, 2*(rd.w-rd.r)))
		n := copy(nb, rd.buf[rd.r:rd.w])
		rd.replaceBuffer(nb)
		rd.r, rd.w, rd.floor = 0, n, 0
	}
	if rd.w == len(rd.buf) {
		if rd.r == rd.floor {
			// The unread bytes fill the body space: make it bigger.
			nb := make([]byte, 2*len(rd.buf))
			n := copy(nb, rd.buf[rd.r:rd.w])
			rd.replaceBuffer(nb)
			rd.r, rd.w, rd.floor = 0, n, 0
		} else {
			n := copy(rd.buf[rd.floor:], rd.buf[rd.r:rd.w])
			rd.r, rd.w = rd.floor, rd.floor+n
		}
	}
	return rd.fill()
}

// WriteTo writes everything until the connection's EOF to w (an until-close body or
// one direction of a tunnel). Buffered bytes go first; the rest is copied with
// io.Copy so that the kernel can splice between TCP sockets.
func (rd *Reader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	if rd.r < rd.w {
		n, err := w.Write(rd.buf[rd.r:rd.w])
		rd.r += n
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
	if rd.err != nil {
		if rd.err == io.EOF {
			return total, nil
		}
		return total, rd.err
	}
	n, err := io.Copy(w, rd.src)
	rd.read += n
	return total + n, err
}

// readErr returns the sticky error once, clearing it unless it is EOF.
func (rd *Reader) readErr() error {
	err := rd.err
	if err != io.EOF {
		rd.err = nil
	}
	return err
}

// compact moves the unread bytes to the start of the buffer. It invalidates every
// slice handed out before, which is why it only runs when a new head starts.
func (rd *Reader) compact() {
	rd.floor = 0
	rd.scratch = rd.scratch[:0]
	if rd.r == 0 {
		return
	}
	n := copy(rd.buf, rd.buf[rd.r:rd.w])
	rd.r, rd.w = 0, n
}

// errNoProgress guards against readers that return 0, nil forever.
var errNoProgress = errors.New("http1: connection returned no data and no error repeatedly")

// fill reads once more from the connection into the free end of the buffer,
// allocating it on first use. The buffer must have room (see grow).
func (rd *Reader) fill() error {
	if rd.err != nil {
		return rd.readErr()
	}
	if rd.buf == nil {
		if rd.raw != nil {
			return rd.fillIdle()
		}
		rd.newBuffer()
	}
	for range 100 {
		n, err := rd.src.Read(rd.buf[rd.w:])
		rd.w += n
		rd.read += int64(n)
		if err != nil {
			if n == 0 && rd.extendDeadline(err) {
				continue
			}
			rd.err = err
			if n > 0 {
				return nil
			}
			return rd.readErr()
		}
		if n > 0 {
			return nil
		}
	}
	return errNoProgress
}

// ensureRoom makes sure there is space after w, growing the buffer up to max bytes.
// It reports false when the buffer already holds max bytes from r.
// Growing copies into a new array; slices into the old one stay valid because the
// old array is left untouched.
func (rd *Reader) ensureRoom(max int) bool {
	if rd.buf == nil {
		return true // fill takes a buffer
	}
	if rd.w < len(rd.buf) {
		return true
	}
	limit := rd.r + max
	if len(rd.buf) >= limit {
		return false
	}
	size := 2 * len(rd.buf)
	if size > limit {
		size = limit
	}
	nb := make([]byte, size)
	copy(nb, rd.buf[:rd.w])
	rd.replaceBuffer(nb)
	return true
}
