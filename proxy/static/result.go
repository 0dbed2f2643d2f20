package static

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"

	"sliceproxy/proxy/http1"
)

// Kind says what the core does with a Result.
type Kind uint8

const (
	// KindFile: send Status (200, 206 or 304) with Header, then the body
	// (WriteBody) unless the request is HEAD or the status is 304. Header is
	// final: the add_header/expires filter has been applied.
	KindFile Kind = iota
	// KindStatus: answer Status as nginx answers its own errors and
	// redirects (error_page applies; 301 carries Location, 416 carries
	// Content-Range). The core runs the header filter (FilterHeaders) for
	// Status on top of Header, as for any response it generates.
	KindStatus
	// KindRedirect: internal redirect to URI with Args; location matching
	// runs again (index files and try_files fallbacks do this in nginx).
	KindRedirect
	// KindNamed: continue in the named location Name (try_files @name).
	KindNamed
)

// Result is the outcome of Resolve. Reuse one per connection: Reset keeps
// its buffers. Close it when done (it may hold an open file).
type Result struct {
	Kind   Kind
	Status int
	// Overridden is set by the caller before Resolve when the response will
	// go out with another status than 200, as an error page does: nginx's
	// not_modified and range filters act only on a 200, so Resolve then
	// evaluates neither the conditionals nor Range.
	Overridden bool
	// Header holds Content-Type, Content-Length, Last-Modified, ETag,
	// Accept-Ranges, Content-Range, Location as nginx would send them, plus
	// expires/add_header for KindFile.
	Header http1.Header
	// File is the open file for KindFile with a body; nil otherwise.
	File *os.File
	// Size is the file's size; Ranges the parts to send for 206.
	Size   int64
	Ranges []ByteRange
	// BodyLength is what WriteBody writes (Content-Length of the response).
	BodyLength int64
	// LastModified is the file's mtime in Unix seconds, -1 when none.
	LastModified int64

	// URI and Args: where a KindRedirect goes. Also, for KindFile, the URI
	// actually served (try_files may have changed it; nginx's $uri).
	URI, Args []byte
	// Name is the named location for KindNamed ("@fallback").
	Name string

	// Path is the file system path tried last, Err the error behind a 403,
	// 404 or 500 (an *os.PathError, or ErrIndexForbidden, ErrNotDirectory,
	// ErrNotRegular), LogLevel nginx's level for logging it ("" when nginx
	// logs nothing, e.g. 404 with log_not_found off, or a 405).
	// ErrorMessage renders the line; log it whenever LogLevel != "".
	Path     string
	Err      error
	LogLevel string
	logMsg   string

	boundary []byte // multipart/byteranges boundary
	ctype    []byte // the part Content-Type of a multipart response

	// Backing storage for per-request header values, so that resolving a
	// hit allocates only what opening the file costs.
	scratch   [256]byte
	used      int
	uriBuf    []byte
	servedBuf []byte
	pathBuf   []byte
	nameBuf   []byte
}

// Reset clears r for reuse, closing any file it still holds.
func (r *Result) Reset() {
	_ = r.Close()
	r.Kind, r.Status, r.Overridden = KindFile, 0, false
	r.Header.Reset()
	r.Size, r.BodyLength, r.LastModified = 0, 0, -1
	r.Ranges = r.Ranges[:0]
	r.URI, r.Args, r.Name = nil, nil, ""
	r.Path, r.Err, r.LogLevel, r.logMsg = "", nil, "", ""
	r.boundary, r.ctype = nil, nil
	r.used = 0
	r.uriBuf = r.uriBuf[:0]
	r.servedBuf = r.servedBuf[:0]
	r.pathBuf = r.pathBuf[:0]
	r.nameBuf = r.nameBuf[:0]
}

// Close closes the file, if any. Safe to call twice.
func (r *Result) Close() error {
	if r.File == nil {
		return nil
	}
	err := r.File.Close()
	r.File = nil
	return err
}

// ErrorMessage is the error-log line nginx writes for this result, without
// the level and request context, e.g.
// `open() "/srv/www/x" failed (2: No such file or directory)`; "" for none.
func (r *Result) ErrorMessage() string {
	if r.logMsg != "" {
		return r.logMsg
	}
	if r.Err == nil || r.LogLevel == "" {
		return ""
	}
	// nginx names the call that failed: open(), or openat() when
	// disable_symlinks walks the path.
	op := "open"
	var pe *os.PathError
	if errors.As(r.Err, &pe) && pe.Op != "" {
		op = pe.Op
	}
	return op + "() \"" + r.Path + "\" failed" + errnoSuffix(r.Err)
}

// errnoSuffix renders " (2: No such file or directory)" as nginx's
// ngx_log_errno does, with glibc's capitalisation.
func errnoSuffix(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return " (" + err.Error() + ")"
	}
	msg := errno.Error()
	if msg != "" && msg[0] >= 'a' && msg[0] <= 'z' {
		msg = string(msg[0]-'a'+'A') + msg[1:]
	}
	return " (" + strconv.Itoa(int(errno)) + ": " + msg + ")"
}

// alloc returns n bytes of scratch space, falling back to the heap.
func (r *Result) alloc(n int) []byte {
	if r.used+n <= len(r.scratch) {
		b := r.scratch[r.used : r.used : r.used+n]
		r.used += n
		return b
	}
	return make([]byte, 0, n)
}

func (r *Result) addHeader(name, value []byte) {
	r.Header.Fields = append(r.Header.Fields, http1.Field{Name: name, Value: value})
}

// Header names as nginx spells them. They are read-only: http1.Field only
// reads its bytes, and nothing in this package writes them.
var (
	hContentType   = []byte("Content-Type")
	hContentLength = []byte("Content-Length")
	hLastModified  = []byte("Last-Modified")
	hETag          = []byte("ETag")
	hAcceptRanges  = []byte("Accept-Ranges")
	hContentRange  = []byte("Content-Range")
	hLocation      = []byte("Location")
	hExpires       = []byte("Expires")
	hCacheControl  = []byte("Cache-Control")
	vBytes         = []byte("bytes")
)

// WriteBody writes the response body: the whole file, one range, or the
// multipart/byteranges body. Writing the whole file or a single range to a
// *net.TCPConn uses sendfile (io.Copy hands *os.File / *io.LimitedReader
// to TCPConn.ReadFrom), so the core should write the head first and then
// call WriteBody with the raw connection.
func (r *Result) WriteBody(w io.Writer) (int64, error) {
	if r.File == nil {
		return 0, nil
	}
	switch len(r.Ranges) {
	case 0:
		if _, err := r.File.Seek(0, io.SeekStart); err != nil {
			return 0, fmt.Errorf("static: seek %s: %w", r.Path, err)
		}
		return copyN(w, r.File, r.Size, r.Path)
	case 1:
		rg := r.Ranges[0]
		if _, err := r.File.Seek(rg.Start, io.SeekStart); err != nil {
			return 0, fmt.Errorf("static: seek %s: %w", r.Path, err)
		}
		return copyN(w, r.File, rg.Len(), r.Path)
	}
	var total int64
	var head []byte
	for _, rg := range r.Ranges {
		head = r.appendPartHead(head[:0], rg)
		n, err := w.Write(head)
		total += int64(n)
		if err != nil {
			return total, err
		}
		if _, err := r.File.Seek(rg.Start, io.SeekStart); err != nil {
			return total, fmt.Errorf("static: seek %s: %w", r.Path, err)
		}
		m, err := copyN(w, r.File, rg.Len(), r.Path)
		total += m
		if err != nil {
			return total, err
		}
	}
	head = append(head[:0], "\r\n--"...)
	head = append(head, r.boundary...)
	head = append(head, "--\r\n"...)
	n, err := w.Write(head)
	return total + int64(n), err
}

// copyN copies exactly n bytes; a file that shrank under us is an error
// (nginx logs "file was truncated"), since the Content-Length is sent.
func copyN(w io.Writer, f *os.File, n int64, path string) (int64, error) {
	m, err := io.Copy(w, &io.LimitedReader{R: f, N: n})
	if err == nil && m < n {
		err = fmt.Errorf("static: %s was truncated: sent %d of %d bytes", path, m, n)
	}
	return m, err
}

// appendPartHead appends one multipart boundary header as nginx lays it
// out: CRLF "--BOUNDARY" CRLF "Content-Type: T" CRLF
// "Content-Range: bytes S-E/SIZE" CRLF CRLF.
func (r *Result) appendPartHead(dst []byte, rg ByteRange) []byte {
	dst = append(dst, "\r\n--"...)
	dst = append(dst, r.boundary...)
	dst = append(dst, "\r\n"...)
	if len(r.ctype) > 0 {
		dst = append(dst, "Content-Type: "...)
		dst = append(dst, r.ctype...)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "Content-Range: "...)
	dst = appendContentRange(dst, rg, r.Size)
	return append(dst, "\r\n\r\n"...)
}

// multipartLength is the body size of a multipart/byteranges response.
func (r *Result) multipartLength() int64 {
	var n int64
	var head []byte
	for _, rg := range r.Ranges {
		head = r.appendPartHead(head[:0], rg)
		n += int64(len(head)) + rg.Len()
	}
	return n + int64(len("\r\n--")+len(r.boundary)+len("--\r\n"))
}
