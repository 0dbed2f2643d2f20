package accesslog

import (
	"errors"
	"strings"
	"sync"
	"time"

	"sliceproxy/nginxconf"
	"sliceproxy/vars"
)

// Options are the process-wide facts a Set needs.
type Options struct {
	// Prefix is nginx's prefix (-p): relative log paths resolve against it.
	Prefix string
	// DefaultPath is the log used where no level says access_log (nginx's
	// compiled-in NGX_HTTP_LOG_PATH, "logs/access.log"; Debian's nginx uses
	// /var/log/nginx/access.log). Relative paths resolve against Prefix.
	DefaultPath string
	// Now is the clock for $time_local, $msec, $request_time and flush=;
	// time.Now when nil.
	Now func() time.Time
	// OnWriteError is told about a failed write (the line is lost); nginx
	// logs it as an alert. May be nil.
	OnWriteError func(path string, err error)
}

// Set holds every log_format and open access-log file of one
// configuration. Build it at load (NewSet, LoadFormats, Merge per level),
// then Open it before serving; Close it after the last request that uses
// it (a reload closes the old Set once the new one serves). Reopen is for
// SIGUSR1.
type Set struct {
	reg     *vars.Registry
	opt     Options
	formats map[string]*Format
	files   map[string]*File
	order   []*File
	syslogs []*syslogPeer

	bufs sync.Pool // *[]byte line buffers, so logging a line allocates nothing

	mu      sync.Mutex
	stop    chan struct{}
	stopped chan struct{}
}

// NewSet returns an empty set with the predefined "combined" format.
func NewSet(reg *vars.Registry, opt Options) *Set {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.DefaultPath == "" {
		opt.DefaultPath = "logs/access.log"
	}
	s := &Set{reg: reg, opt: opt, formats: map[string]*Format{}, files: map[string]*File{}}
	s.bufs.New = func() any { b := make([]byte, 0, 1024); return &b }
	return s
}

// combined compiles the predefined format on first use, as nginx does
// (ngx_http_log_init compiles it only when some log uses it).
func (s *Set) combined(pos nginxconf.Pos) (*Format, error) {
	if f, ok := s.formats["combined"]; ok {
		return f, nil
	}
	f, err := CompileFormat("combined", EscapeDefault, []string{CombinedFormat}, s.reg, pos)
	if err != nil {
		return nil, err
	}
	s.formats["combined"] = f
	return f, nil
}

// Format returns a compiled format by name.
func (s *Set) Format(name string) (*Format, bool) {
	f, ok := s.formats[name]
	return f, ok
}

// LoadFormats compiles every log_format among the http block's statements.
func (s *Set) LoadFormats(http []*nginxconf.Directive) []nginxconf.Diagnostic {
	var diags []nginxconf.Diagnostic
	for _, d := range http {
		if d.Name != "log_format" || len(d.Args) < 1 {
			continue
		}
		name := d.Args[0].Value
		if _, dup := s.formats[name]; dup || name == "combined" {
			diags = append(diags, diag(d.Pos, "duplicate \"log_format\" name \"%s\"", name))
			continue
		}
		esc := EscapeDefault
		rest := d.Args[1:]
		if len(rest) > 0 && strings.HasPrefix(rest[0].Value, "escape=") {
			switch v := rest[0].Value[len("escape="):]; v {
			case "default":
			case "json":
				esc = EscapeJSON
			case "none":
				esc = EscapeNone
			default:
				diags = append(diags, diag(d.Pos, "unknown log format escaping \"%s\"", v))
				continue
			}
			rest = rest[1:]
		}
		parts := make([]string, len(rest))
		for i, a := range rest {
			parts[i] = a.Value
		}
		f, err := CompileFormat(name, esc, parts, s.reg, d.Pos)
		if err != nil {
			diags = append(diags, asDiagnostic(d.Pos, err))
			// Keep the name known so that every access_log using it does
			// not add an "unknown log format" of its own: one error is
			// enough, and the configuration is refused anyway.
			f = &Format{Name: name, Escape: esc}
		}
		s.formats[name] = f
	}
	return diags
}

func asDiagnostic(pos nginxconf.Pos, err error) nginxconf.Diagnostic {
	var d nginxconf.Diagnostic
	if errors.As(err, &d) {
		return d
	}
	return diag(pos, "%v", err)
}

// Files lists the files the set writes, in first-use order.
func (s *Set) Files() []*File { return s.order }

// Open opens every file and starts the flusher for buffered logs. On error
// the files opened so far are closed again.
func (s *Set) Open() error {
	for i, f := range s.order {
		if err := f.open(); err != nil {
			for _, g := range s.order[:i] {
				_ = g.close()
			}
			return err
		}
		if f.size > 0 {
			f.buf = make([]byte, 0, f.size)
		}
	}
	for i, p := range s.syslogs {
		if err := p.open(); err != nil {
			for _, q := range s.syslogs[:i] {
				_ = q.close()
			}
			for _, g := range s.order {
				_ = g.close()
			}
			return err
		}
	}
	tick := s.flushTick()
	if tick == 0 {
		return nil
	}
	s.mu.Lock()
	s.stop, s.stopped = make(chan struct{}), make(chan struct{})
	stop, stopped := s.stop, s.stopped
	s.mu.Unlock()
	go s.flusher(tick, stop, stopped)
	return nil
}

// flushTick is how often the flusher looks at buffers: a quarter of the
// shortest flush=, between 10ms and 1s; 0 when no log has flush=.
func (s *Set) flushTick() time.Duration {
	var shortest time.Duration
	for _, f := range s.order {
		if f.flush > 0 && (shortest == 0 || f.flush < shortest) {
			shortest = f.flush
		}
	}
	if shortest == 0 {
		return 0
	}
	return min(max(shortest/4, 10*time.Millisecond), time.Second)
}

func (s *Set) flusher(tick time.Duration, stop <-chan struct{}, stopped chan<- struct{}) {
	defer close(stopped)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			now := s.opt.Now()
			for _, f := range s.order {
				f.flushIfDue(now)
			}
		}
	}
}

// Flush writes every buffered line now.
func (s *Set) Flush() {
	for _, f := range s.order {
		f.Flush()
	}
}

// Reopen flushes and reopens every file (SIGUSR1 after log rotation). It
// tries every file and returns the errors joined.
func (s *Set) Reopen() error {
	var errs []error
	for _, f := range s.order {
		if err := f.reopen(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Close stops the flusher, flushes and closes every file. Log calls after
// Close are dropped.
func (s *Set) Close() error {
	s.mu.Lock()
	stop, stopped := s.stop, s.stopped
	s.stop, s.stopped = nil, nil
	s.mu.Unlock()
	if stop != nil {
		close(stop)
		<-stopped
	}
	var errs []error
	for _, f := range s.order {
		if err := f.close(); err != nil {
			errs = append(errs, err)
		}
	}
	for _, p := range s.syslogs {
		if err := p.close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
