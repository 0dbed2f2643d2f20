package accesslog

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rs/zerolog"
)

// Level is an nginx error_log level, most severe first.
type Level int8

const (
	LevelEmerg Level = iota
	LevelAlert
	LevelCrit
	LevelError
	LevelWarn
	LevelNotice
	LevelInfo
	LevelDebug
)

var levelNames = [...]string{"emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"}

func (l Level) String() string {
	if l < 0 || int(l) >= len(levelNames) {
		return "unknown"
	}
	return levelNames[l]
}

// ParseLevel parses an error_log level name.
func ParseLevel(s string) (Level, bool) {
	for i, n := range levelNames {
		if s == n {
			return Level(i), true
		}
	}
	return 0, false
}

// zerologLevel maps an nginx level onto zerolog's coarser scale; the exact
// nginx level travels in the event's FieldLevel.
func (l Level) zerologLevel() zerolog.Level {
	switch l {
	case LevelDebug:
		return zerolog.DebugLevel
	case LevelInfo, LevelNotice:
		return zerolog.InfoLevel
	case LevelWarn:
		return zerolog.WarnLevel
	default:
		return zerolog.ErrorLevel
	}
}

// Field names an event may carry; the writer lays them out as nginx does.
const (
	// FieldLevel is the exact nginx level name ("crit", "notice", ...).
	FieldLevel = "nginx_level"
	// FieldConn is the connection number, printed as "*N " before the message.
	FieldConn = "conn"
	// FieldError is zerolog's error field (Event.Err): " (TEXT)" after the
	// message; ErrnoText gives nginx's "2: No such file or directory".
	// (zerolog's default ErrorFieldName; its globals are not changed.)
	FieldError = "error"
	// FieldAction is what was being done: " while ACTION".
	FieldAction   = "action"
	FieldClient   = "client"
	FieldServer   = "server"
	FieldRequest  = "request"
	FieldUpstream = "upstream"
	FieldHost     = "host"
	FieldReferrer = "referrer"
)

// maxErrorLine is nginx's NGX_MAX_ERROR_STR: longer lines are cut.
const maxErrorLine = 2048

// ErrorTarget is one error_log: a path (or "stderr") and the least severe
// level it records.
type ErrorTarget struct {
	Path  string
	Level Level
}

// ErrorLogOptions configure an ErrorLog.
type ErrorLogOptions struct {
	// PID is printed as "PID#TID"; os.Getpid() when zero. sliceproxy is one
	// process whose goroutines have no stable thread, so TID is the PID too
	// (what nginx prints for a worker's main thread).
	PID int
	// Now is the clock for timestamps (local time); time.Now when nil.
	Now func() time.Time
	// Prefix resolves relative paths (nginx's -p).
	Prefix string
}

// ErrorLog writes nginx-style error-log lines to one or more targets. Its
// Logger is an ordinary zerolog.Logger whose writer turns each JSON event
// into nginx's layout:
//
//	2024/01/02 15:04:05 [error] 1234#1234: *5 MESSAGE (ERR) while ACTION, client: C, server: S, request: "R", upstream: "U", host: "H", referrer: "F"
//
// It is safe for concurrent use.
type ErrorLog struct {
	opt    ErrorLogOptions
	sinks  []*errorSink
	logger zerolog.Logger
	min    Level
	bufs   sync.Pool
}

type errorSink struct {
	path  string
	level Level
	mu    sync.Mutex
	w     io.Writer
	f     *os.File    // nil for stderr and pipes
	pipe  *pipeWriter // tengine's pipe:COMMAND
	// syslog receives "<PRI>header TAG: " + the line without its newline,
	// with the line's level as severity (ngx_syslog_writer).
	syslog *syslogPeer
}

// OpenErrorLog opens every target. "stderr" writes to the process's
// standard error; syslog:, pipe: and memory: targets are skipped (see
// UnsupportedTarget). On error the files opened so far are closed.
func OpenErrorLog(targets []ErrorTarget, opt ErrorLogOptions) (*ErrorLog, error) {
	if opt.PID == 0 {
		opt.PID = os.Getpid()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	e := &ErrorLog{opt: opt, min: LevelEmerg}
	e.bufs.New = func() any { b := make([]byte, 0, 512); return &b }
	for _, t := range targets {
		if UnsupportedTarget(t.Path) != "" {
			continue // lint and load report these (UnsupportedTarget)
		}
		path := t.Path
		if isRollback(path) {
			path = rollbackPath(path) // tengine's built-in rotation: the file
		}
		s := &errorSink{path: path, level: t.Level}
		_, isPipe := pipeCommand(path)
		switch {
		case path == "stderr":
			s.w = os.Stderr
		case strings.HasPrefix(path, "syslog:"):
			p, err := parseSyslog(path[len("syslog:"):])
			if err == nil {
				err = p.open()
			}
			if err != nil {
				_ = e.Close()
				return nil, fmt.Errorf("error_log %q: %w", path, err)
			}
			s.syslog = p
		case isPipe:
			p, err := startPipe(strings.TrimSpace(strings.TrimPrefix(path, "pipe:")))
			if err != nil {
				_ = e.Close()
				return nil, err
			}
			s.pipe, s.w = p, p
		default:
			if !strings.HasPrefix(path, "/") && opt.Prefix != "" {
				s.path = strings.TrimSuffix(opt.Prefix, "/") + "/" + path
			}
			f, err := openLogFile(s.path)
			if err != nil {
				_ = e.Close()
				return nil, err
			}
			s.f, s.w = f, f
		}
		e.sinks = append(e.sinks, s)
		e.min = max(e.min, t.Level)
	}
	e.logger = zerolog.New(e).Level(e.min.zerologLevel())
	return e, nil
}

// NewErrorLogWriter returns an ErrorLog writing to w (tests, or a caller
// that owns the destination); Reopen and Close leave w alone.
func NewErrorLogWriter(w io.Writer, level Level, opt ErrorLogOptions) *ErrorLog {
	if opt.PID == 0 {
		opt.PID = os.Getpid()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	e := &ErrorLog{opt: opt, min: level}
	e.bufs.New = func() any { b := make([]byte, 0, 512); return &b }
	e.sinks = []*errorSink{{path: "", level: level, w: w}}
	e.logger = zerolog.New(e).Level(level.zerologLevel())
	return e
}

// Logger is the zerolog logger writing to this error log. Events logged
// through it without FieldLevel get the nginx level matching zerolog's.
func (e *ErrorLog) Logger() *zerolog.Logger { return &e.logger }

// Enabled reports whether some target records level.
func (e *ErrorLog) Enabled(level Level) bool { return level <= e.min }

// Log starts an event at an nginx level; nil (a no-op in zerolog) when no
// target records it. Finish it with Msg or Msgf.
func (e *ErrorLog) Log(level Level) *zerolog.Event {
	if !e.Enabled(level) {
		return nil
	}
	return e.logger.WithLevel(level.zerologLevel()).Str(FieldLevel, level.String())
}

// RequestContext is what nginx appends to a message logged about a
// connection or request (ngx_http_log_error): fields that are empty are
// left out, except server, which nginx always prints once there is a
// request.
type RequestContext struct {
	Conn   uint64
	Client string
	// Server is the server's first server_name once a request was read;
	// before that (no request yet) nginx prints the listen address here.
	Server   string
	Request  string // the request line
	Upstream string // "http://127.0.0.1:8080/uri" when an upstream is involved
	Host     string // the Host header as sent
	Referrer string
	// HasRequest is set once the request line was read: it makes "server:"
	// and "request:" appear.
	HasRequest bool
}

// Request starts an event at level carrying ctx; nil when disabled.
func (e *ErrorLog) Request(level Level, ctx *RequestContext) *zerolog.Event {
	ev := e.Log(level)
	if ev == nil || ctx == nil {
		return ev
	}
	if ctx.Conn != 0 {
		ev = ev.Uint64(FieldConn, ctx.Conn)
	}
	if ctx.Client != "" {
		ev = ev.Str(FieldClient, ctx.Client)
	}
	switch {
	case ctx.HasRequest:
		ev = ev.Str(FieldServer, ctx.Server)
		if ctx.Request != "" {
			ev = ev.Str(FieldRequest, ctx.Request)
		}
	case ctx.Server != "":
		ev = ev.Str(FieldServer, ctx.Server)
	}
	if ctx.Upstream != "" {
		ev = ev.Str(FieldUpstream, ctx.Upstream)
	}
	if ctx.Host != "" {
		ev = ev.Str(FieldHost, ctx.Host)
	}
	if ctx.Referrer != "" {
		ev = ev.Str(FieldReferrer, ctx.Referrer)
	}
	return ev
}

// ErrnoText renders an error as nginx's ngx_log_errno does, "2: No such
// file or directory", when it wraps a syscall.Errno (glibc capitalises the
// text, Go does not); otherwise err.Error().
func ErrnoText(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	msg := errno.Error()
	if msg != "" && msg[0] >= 'a' && msg[0] <= 'z' {
		msg = string(msg[0]-'a'+'A') + msg[1:]
	}
	return strconv.Itoa(int(errno)) + ": " + msg
}

// Reopen reopens every file target (SIGUSR1). A target that fails keeps
// its old descriptor; the errors are joined.
func (e *ErrorLog) Reopen() error {
	var errs []error
	for _, s := range e.sinks {
		if s.f == nil {
			continue
		}
		f, err := openLogFile(s.path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.mu.Lock()
		old := s.f
		s.f, s.w = f, f
		s.mu.Unlock()
		if err := old.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Close closes every file target (writes are unbuffered, so nothing is
// lost). Later events to those targets are dropped.
func (e *ErrorLog) Close() error {
	var errs []error
	for _, s := range e.sinks {
		s.mu.Lock()
		if s.f != nil {
			if err := s.f.Close(); err != nil {
				errs = append(errs, err)
			}
			s.f = nil
		}
		if s.pipe != nil {
			if err := s.pipe.Close(); err != nil {
				errs = append(errs, err)
			}
			s.pipe = nil
		}
		if s.syslog != nil {
			if err := s.syslog.close(); err != nil {
				errs = append(errs, err)
			}
			s.syslog = nil
		}
		if s.path != "stderr" {
			s.w = nil
		}
		s.mu.Unlock()
	}
	return errors.Join(errs...)
}
