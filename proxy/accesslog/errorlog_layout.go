package accesslog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/rs/zerolog"
)

// Write implements io.Writer for zerolog: p is one JSON event.
func (e *ErrorLog) Write(p []byte) (int, error) {
	return e.WriteLevel(zerolog.NoLevel, p)
}

// WriteLevel implements zerolog.LevelWriter: it renders the JSON event in
// nginx's layout and writes it to every target whose level admits it.
func (e *ErrorLog) WriteLevel(zl zerolog.Level, p []byte) (int, error) {
	bp := e.bufs.Get().(*[]byte)
	defer e.bufs.Put(bp)
	line, level, err := e.render((*bp)[:0], p, zl)
	*bp = line[:0]
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, s := range e.sinks {
		if level > s.level {
			continue
		}
		if s.syslog != nil {
			msg := s.syslog.appendHeader(make([]byte, 0, len(line)+64), int(level), e.opt.Now())
			msg = append(msg, line[:len(line)-1]...)
			if serr := s.syslog.send(msg); serr != nil {
				errs = append(errs, fmt.Errorf("error log %s: %w", s.path, serr))
			}
			continue
		}
		s.mu.Lock()
		if s.w != nil {
			if _, werr := s.w.Write(line); werr != nil {
				errs = append(errs, fmt.Errorf("error log %s: %w", s.path, werr))
			}
		}
		s.mu.Unlock()
	}
	return len(p), errors.Join(errs...)
}

// render lays out one event.
func (e *ErrorLog) render(dst, event []byte, zl zerolog.Level) ([]byte, Level, error) {
	var ev struct {
		level, message, errText, action         string
		conn                                    uint64
		client, server, request, upstream, host string
		referrer                                string
		hasServer, hasRequest, hasLevel         bool
		extra                                   [][2]string
	}
	dec := json.NewDecoder(bytes.NewReader(event))
	dec.UseNumber()
	var fields map[string]json.RawMessage
	if err := dec.Decode(&fields); err != nil {
		return dst, 0, fmt.Errorf("error log: malformed event: %w", err)
	}
	str := func(raw json.RawMessage) string {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		return string(raw)
	}
	for k, raw := range fields {
		switch k {
		case FieldLevel:
			ev.level, ev.hasLevel = str(raw), true
		case "level", "time":
		case "message":
			ev.message = str(raw)
		case FieldError:
			ev.errText = str(raw)
		case FieldAction:
			ev.action = str(raw)
		case FieldConn:
			n, _ := strconv.ParseUint(string(raw), 10, 64)
			ev.conn = n
		case FieldClient:
			ev.client = str(raw)
		case FieldServer:
			ev.server, ev.hasServer = str(raw), true
		case FieldRequest:
			ev.request, ev.hasRequest = str(raw), true
		case FieldUpstream:
			ev.upstream = str(raw)
		case FieldHost:
			ev.host = str(raw)
		case FieldReferrer:
			ev.referrer = str(raw)
		default:
			ev.extra = append(ev.extra, [2]string{k, str(raw)})
		}
	}
	level, ok := ParseLevel(ev.level)
	if !ev.hasLevel || !ok {
		level = fromZerolog(zl, fields)
	}
	dst = e.opt.Now().AppendFormat(dst, "2006/01/02 15:04:05")
	dst = append(dst, " ["...)
	dst = append(dst, level.String()...)
	dst = append(dst, "] "...)
	dst = strconv.AppendInt(dst, int64(e.opt.PID), 10)
	dst = append(dst, '#')
	dst = strconv.AppendInt(dst, int64(e.opt.PID), 10)
	dst = append(dst, ": "...)
	if ev.conn != 0 {
		dst = append(dst, '*')
		dst = strconv.AppendUint(dst, ev.conn, 10)
		dst = append(dst, ' ')
	}
	dst = append(dst, ev.message...)
	if ev.errText != "" {
		dst = append(dst, " ("...)
		dst = append(dst, ev.errText...)
		dst = append(dst, ')')
	}
	if ev.action != "" {
		dst = append(dst, " while "...)
		dst = append(dst, ev.action...)
	}
	if ev.client != "" {
		dst = append(dst, ", client: "...)
		dst = append(dst, ev.client...)
	}
	if ev.hasServer {
		dst = append(dst, ", server: "...)
		dst = append(dst, ev.server...)
	}
	if ev.hasRequest {
		dst = append(dst, ", request: \""...)
		dst = append(dst, ev.request...)
		dst = append(dst, '"')
	}
	if ev.upstream != "" {
		dst = append(dst, ", upstream: \""...)
		dst = append(dst, ev.upstream...)
		dst = append(dst, '"')
	}
	if ev.host != "" {
		dst = append(dst, ", host: \""...)
		dst = append(dst, ev.host...)
		dst = append(dst, '"')
	}
	if ev.referrer != "" {
		dst = append(dst, ", referrer: \""...)
		dst = append(dst, ev.referrer...)
		dst = append(dst, '"')
	}
	sortExtra(ev.extra)
	for _, kv := range ev.extra {
		dst = append(dst, ", "...)
		dst = append(dst, kv[0]...)
		dst = append(dst, ": "...)
		dst = append(dst, kv[1]...)
	}
	if len(dst) > maxErrorLine-1 {
		dst = dst[:maxErrorLine-1]
	}
	return append(dst, '\n'), level, nil
}

// sortExtra orders unknown fields by name so that lines are stable (the
// JSON object was decoded into a map).
func sortExtra(kv [][2]string) {
	for i := 1; i < len(kv); i++ {
		for j := i; j > 0 && kv[j][0] < kv[j-1][0]; j-- {
			kv[j], kv[j-1] = kv[j-1], kv[j]
		}
	}
}

// fromZerolog maps an event logged through plain zerolog calls to an nginx
// level.
func fromZerolog(zl zerolog.Level, fields map[string]json.RawMessage) Level {
	if zl == zerolog.NoLevel {
		var s string
		if raw, ok := fields["level"]; ok && json.Unmarshal(raw, &s) == nil {
			if l, err := zerolog.ParseLevel(s); err == nil {
				zl = l
			}
		}
	}
	switch zl {
	case zerolog.TraceLevel, zerolog.DebugLevel:
		return LevelDebug
	case zerolog.InfoLevel:
		return LevelInfo
	case zerolog.WarnLevel:
		return LevelWarn
	case zerolog.ErrorLevel:
		return LevelError
	case zerolog.FatalLevel, zerolog.PanicLevel:
		return LevelEmerg
	}
	return LevelNotice
}
