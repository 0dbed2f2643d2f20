package accesslog

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"sliceproxy/nginxconf"
	"sliceproxy/vars"
)

// CombinedFormat is nginx's predefined "combined" log format.
const CombinedFormat = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`

// opKind says how one piece of a format is rendered.
type opKind uint8

const (
	opLiteral opKind = iota
	opVariable
	// The variables ngx_http_log_module renders itself, never escaped and
	// never "-": nginx's ngx_http_log_vars table.
	opPipe
	opTimeLocal
	opTimeISO8601
	opMsec
	opRequestTime
	opStatus
	opBytesSent
	opBodyBytesSent
	opRequestLength
)

var logOwnVariables = map[string]opKind{
	"pipe":            opPipe,
	"time_local":      opTimeLocal,
	"time_iso8601":    opTimeISO8601,
	"msec":            opMsec,
	"request_time":    opRequestTime,
	"status":          opStatus,
	"bytes_sent":      opBytesSent,
	"body_bytes_sent": opBodyBytesSent,
	"request_length":  opRequestLength,
}

type op struct {
	kind opKind
	lit  []byte
	idx  vars.Index
}

// Format is a compiled log_format. It is immutable and safe for concurrent
// use.
type Format struct {
	Name   string
	Escape Escape
	ops    []op
	times  timeCache
}

// timeCache keeps $time_local and $time_iso8601 of the current second, as
// nginx's cached time strings: formatting a date is most of a line's cost.
type timeCache struct {
	p atomic.Pointer[cachedTimes]
}

type cachedTimes struct {
	sec        int64
	loc        *time.Location
	local, iso []byte
}

func (c *timeCache) get(now time.Time) *cachedTimes {
	sec := now.Unix()
	if t := c.p.Load(); t != nil && t.sec == sec && t.loc == now.Location() {
		return t
	}
	t := &cachedTimes{
		sec:   sec,
		loc:   now.Location(),
		local: now.AppendFormat(nil, "02/Jan/2006:15:04:05 -0700"),
		iso:   now.AppendFormat(nil, "2006-01-02T15:04:05-07:00"),
	}
	c.p.Store(t)
	return t
}

// CompileFormat compiles the strings of a log_format (already concatenated
// or not: they are joined as nginx joins them) against reg. The variable
// names are scanned as nginx's log module scans them: "$" then letters,
// digits and "_", or "${name}".
func CompileFormat(name string, escape Escape, parts []string, reg *vars.Registry, pos nginxconf.Pos) (*Format, error) {
	f := &Format{Name: name, Escape: escape}
	for _, s := range parts {
		i := 0
		for i < len(s) {
			if s[i] != '$' {
				j := strings.IndexByte(s[i:], '$')
				if j < 0 {
					j = len(s) - i
				}
				f.appendLiteral(s[i : i+j])
				i += j
				continue
			}
			start := i
			i++
			if i == len(s) {
				return nil, diag(pos, "invalid parameter \"%s\"", s[start:])
			}
			bracket := false
			if s[i] == '{' {
				bracket = true
				i++
				if i == len(s) {
					return nil, diag(pos, "invalid parameter \"%s\"", s[start:])
				}
			}
			nameStart := i
			for i < len(s) {
				c := s[i]
				if c == '}' && bracket {
					break
				}
				if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' {
					i++
					continue
				}
				break
			}
			varName := s[nameStart:i]
			if bracket {
				if i == len(s) || s[i] != '}' {
					return nil, diag(pos, "the closing bracket in \"%s\" variable is missing", varName)
				}
				i++
			}
			if varName == "" {
				return nil, diag(pos, "invalid parameter \"%s\"", s[start:])
			}
			if k, ok := logOwnVariables[varName]; ok {
				f.ops = append(f.ops, op{kind: k})
				continue
			}
			idx, err := lookupVariable(reg, varName, pos)
			if err != nil {
				return nil, err
			}
			f.ops = append(f.ops, op{kind: opVariable, idx: idx})
		}
	}
	return f, nil
}

func (f *Format) appendLiteral(s string) {
	if n := len(f.ops); n > 0 && f.ops[n-1].kind == opLiteral {
		f.ops[n-1].lit = append(f.ops[n-1].lit, s...)
		return
	}
	f.ops = append(f.ops, op{kind: opLiteral, lit: []byte(s)})
}

// lookupVariable finds a variable by name, letting the registry word the
// error for an unknown one (`unknown "foo" variable`).
func lookupVariable(reg *vars.Registry, name string, pos nginxconf.Pos) (vars.Index, error) {
	if reg == nil {
		return 0, diag(pos, "unknown \"%s\" variable", strings.ToLower(name))
	}
	if idx, ok := reg.Lookup(name); ok {
		return idx, nil
	}
	if _, err := reg.Compile("${"+name+"}", pos); err != nil {
		return 0, err
	}
	// The registry accepted the name as deferred (a "set" or map may define
	// it later, as nginx resolves names only at the end of the
	// configuration); Compile created its slot, so Lookup finds the index
	// even though it reports the name as not defined yet.
	idx, _ := reg.Lookup(name)
	return idx, nil
}

func diag(pos nginxconf.Pos, format string, args ...any) nginxconf.Diagnostic {
	return nginxconf.Diagnostic{Pos: pos, Severity: nginxconf.SevError, Code: "log-format", Message: fmt.Sprintf(format, args...)}
}

// Append renders one log line (without the trailing newline) for req at
// time now, appending to dst. It allocates nothing when dst has room and
// the variables compute without allocating.
func (f *Format) Append(dst []byte, req *vars.Request, now time.Time) []byte {
	for i := range f.ops {
		o := &f.ops[i]
		switch o.kind {
		case opLiteral:
			dst = append(dst, o.lit...)
		case opVariable:
			dst = f.appendVariable(dst, req, o.idx)
		case opPipe:
			// sliceproxy does not track pipelining per request; "." is what
			// nginx logs for every request that was not pipelined.
			dst = append(dst, '.')
		case opTimeLocal:
			dst = append(dst, f.times.get(now).local...)
		case opTimeISO8601:
			dst = append(dst, f.times.get(now).iso...)
		case opMsec:
			dst = appendMillis(dst, now.UnixMilli())
		case opRequestTime:
			ms := int64(0)
			if !req.Start.IsZero() {
				ms = now.Sub(req.Start).Milliseconds()
			}
			dst = appendMillis(dst, max(ms, 0))
		case opStatus:
			dst = appendStatus(dst, req.Response.Status)
		case opBytesSent:
			dst = strconv.AppendInt(dst, req.Response.BytesSent, 10)
		case opBodyBytesSent:
			dst = strconv.AppendInt(dst, max(req.Response.BytesSent-req.Response.HeaderBytes, 0), 10)
		case opRequestLength:
			dst = strconv.AppendInt(dst, req.RequestLength, 10)
		}
	}
	return dst
}

func (f *Format) appendVariable(dst []byte, req *vars.Request, idx vars.Index) []byte {
	start := len(dst)
	out, found := req.AppendVar(idx, dst)
	if !found {
		if f.Escape == EscapeDefault {
			return append(out[:start], '-')
		}
		return out[:start]
	}
	switch f.Escape {
	case EscapeDefault:
		if !needsEscapeDefault(out[start:]) {
			return out
		}
	case EscapeJSON:
		if !needsEscapeJSON(out[start:]) {
			return out
		}
	default:
		return out
	}
	// Escape from a copy: the escaped form is longer and would overwrite
	// the value while reading it.
	var tmp [256]byte
	raw := append(tmp[:0], out[start:]...)
	if f.Escape == EscapeJSON {
		return appendJSONEscaped(out[:start], raw)
	}
	return appendDefaultEscaped(out[:start], raw)
}

func needsEscapeDefault(v []byte) bool {
	for _, c := range v {
		if needsDefaultEscape(c) {
			return true
		}
	}
	return false
}

func needsEscapeJSON(v []byte) bool {
	for _, c := range v {
		if c < 0x20 || c == '"' || c == '\\' {
			return true
		}
	}
	return false
}

// appendMillis renders milliseconds as nginx's "%T.%03M".
func appendMillis(dst []byte, ms int64) []byte {
	dst = strconv.AppendInt(dst, ms/1000, 10)
	frac := ms % 1000
	return append(dst, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
}

// appendStatus renders nginx's "%03ui": 0 when no response was sent.
func appendStatus(dst []byte, status int) []byte {
	if status >= 0 && status < 100 {
		return append(dst, byte('0'+status/100), byte('0'+status/10%10), byte('0'+status%10))
	}
	return strconv.AppendInt(dst, int64(status), 10)
}
