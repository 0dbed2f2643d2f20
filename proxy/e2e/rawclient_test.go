package e2e

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// ioTimeout bounds every read and write of a test client. The machine is
// shared and slow; a healthy server answers in milliseconds.
const ioTimeout = 10 * time.Second

// errNoResponse is a connection closed before any byte of a response.
var errNoResponse = errors.New("connection closed without a response")

// headerField is one header line, name as sent.
type headerField struct{ Name, Value string }

// rawResponse is one HTTP/1.x response as read off the wire.
type rawResponse struct {
	StatusLine string
	Status     int
	Header     []headerField
	Body       []byte
}

// Values returns every value of a header, in order (names compared
// case-insensitively).
func (r *rawResponse) Values(name string) []string {
	var out []string
	for _, h := range r.Header {
		if strings.EqualFold(h.Name, name) {
			out = append(out, h.Value)
		}
	}
	return out
}

// Get returns the first value of a header, or "".
func (r *rawResponse) Get(name string) string {
	if v := r.Values(name); len(v) > 0 {
		return v[0]
	}
	return ""
}

// rawConn is a client connection that writes raw bytes and reads responses
// without interpreting more than the framing.
type rawConn struct {
	c  net.Conn
	br *bufio.Reader
	// timeout bounds each read and write; ioTimeout unless changed.
	timeout time.Duration
}

func dialRaw(addr string) (*rawConn, error) {
	c, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		return nil, err
	}
	return &rawConn{c: c, br: bufio.NewReaderSize(c, 64<<10), timeout: ioTimeout}, nil
}

// dialTLS connects with TLS (any certificate accepted; sni "" sends none)
// and returns the server certificate's common name.
func dialTLS(addr, sni string) (*rawConn, string, error) {
	d := &net.Dialer{Timeout: ioTimeout}
	c, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{ServerName: sni, InsecureSkipVerify: true})
	if err != nil {
		return nil, "", err
	}
	cn := ""
	if certs := c.ConnectionState().PeerCertificates; len(certs) > 0 {
		cn = certs[0].Subject.CommonName
	}
	return &rawConn{c: c, br: bufio.NewReaderSize(c, 64<<10), timeout: ioTimeout}, cn, nil
}

func (rc *rawConn) Close() error { return rc.c.Close() }

// Write sends s as it is.
func (rc *rawConn) Write(s string) error {
	_ = rc.c.SetWriteDeadline(time.Now().Add(rc.timeout))
	_, err := io.WriteString(rc.c, s)
	return err
}

// ReadResponse reads one response; head says the request was HEAD (no body
// whatever the headers say).
func (rc *rawConn) ReadResponse(head bool) (*rawResponse, error) {
	_ = rc.c.SetReadDeadline(time.Now().Add(rc.timeout))
	line, err := rc.br.ReadString('\n')
	if err != nil {
		if line == "" && (errors.Is(err, io.EOF) || isReset(err)) {
			return nil, errNoResponse
		}
		return nil, fmt.Errorf("status line %q: %w", line, err)
	}
	r := &rawResponse{StatusLine: strings.TrimRight(line, "\r\n")}
	f := strings.SplitN(r.StatusLine, " ", 3)
	if len(f) < 2 || !strings.HasPrefix(f[0], "HTTP/") {
		return nil, fmt.Errorf("bad status line %q", r.StatusLine)
	}
	if r.Status, err = strconv.Atoi(f[1]); err != nil {
		return nil, fmt.Errorf("bad status line %q", r.StatusLine)
	}
	for {
		l, err := rc.br.ReadString('\n')
		if err != nil {
			return r, fmt.Errorf("header: %w", err)
		}
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			break
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			return r, fmt.Errorf("bad header line %q", l)
		}
		r.Header = append(r.Header, headerField{name, strings.TrimSpace(value)})
	}
	switch {
	case head || r.Status < 200 || r.Status == 204 || r.Status == 304:
		return r, nil
	case strings.EqualFold(r.Get("Transfer-Encoding"), "chunked"):
		r.Body, err = readChunked(rc.br)
		return r, err
	case r.Get("Content-Length") != "":
		n, err := strconv.Atoi(r.Get("Content-Length"))
		if err != nil || n < 0 {
			return r, fmt.Errorf("bad Content-Length %q", r.Get("Content-Length"))
		}
		r.Body = make([]byte, n)
		_, err = io.ReadFull(rc.br, r.Body)
		return r, err
	}
	r.Body, err = io.ReadAll(io.LimitReader(rc.br, 16<<20))
	return r, err
}

// readChunked decodes a chunked body (trailers dropped).
func readChunked(br *bufio.Reader) ([]byte, error) {
	var body []byte
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return body, fmt.Errorf("chunk size: %w", err)
		}
		size, _, _ := strings.Cut(strings.TrimRight(line, "\r\n"), ";")
		n, err := strconv.ParseInt(strings.TrimSpace(size), 16, 32)
		if err != nil || n < 0 {
			return body, fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 {
			for {
				l, err := br.ReadString('\n')
				if err != nil {
					return body, fmt.Errorf("trailer: %w", err)
				}
				if strings.TrimRight(l, "\r\n") == "" {
					return body, nil
				}
			}
		}
		chunk := make([]byte, n+2)
		if _, err := io.ReadFull(br, chunk); err != nil {
			return body, fmt.Errorf("chunk data: %w", err)
		}
		body = append(body, chunk[:n]...)
	}
}

// connState says what the server did with the connection after the
// responses: "closed", "open" (nothing within wait), or the extra bytes.
func (rc *rawConn) connState(wait time.Duration) string {
	_ = rc.c.SetReadDeadline(time.Now().Add(wait))
	b, err := rc.br.ReadByte()
	switch {
	case err == nil:
		rest := make([]byte, rc.br.Buffered())
		_, _ = io.ReadFull(rc.br, rest)
		return fmt.Sprintf("extra bytes %q", append([]byte{b}, rest...))
	case errors.Is(err, io.EOF) || isReset(err):
		return "closed"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "open"
	}
	return "error: " + err.Error()
}

func isReset(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe"))
}
