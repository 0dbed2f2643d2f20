package nginxconf

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Value parsers with nginx's exact syntax (src/core/ngx_parse.c and the
// ngx_conf_set_*_slot functions). Every loader parses directive arguments
// with these, so lint and the running proxy accept the same values as nginx.

// ErrInvalidValue is wrapped by every value parser error.
var ErrInvalidValue = errors.New("invalid value")

func invalid(kind, s string) error {
	return fmt.Errorf("%w: %q is not a valid %s", ErrInvalidValue, s, kind)
}

// ParseInt parses a non-negative decimal integer as ngx_atoi does: digits
// only, no sign, no spaces, no overflow.
func ParseInt(s string) (int64, error) {
	if s == "" {
		return 0, invalid("number", s)
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, invalid("number", s)
		}
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, invalid("number", s)
		}
		n = n*10 + d
	}
	return n, nil
}

// parseScaled parses a number with an optional one-letter unit suffix from
// units (lower and upper case accepted), as ngx_parse_size/offset do.
func parseScaled(s, kind string, units map[byte]int64) (int64, error) {
	if s == "" {
		return 0, invalid(kind, s)
	}
	scale := int64(1)
	digits := s
	if m, ok := units[s[len(s)-1]|0x20]; ok {
		scale = m
		digits = s[:len(s)-1]
	}
	n, err := ParseInt(digits)
	if err != nil || n > math.MaxInt64/scale {
		return 0, invalid(kind, s)
	}
	return n * scale, nil
}

var (
	sizeUnits   = map[byte]int64{'k': 1 << 10, 'm': 1 << 20}
	offsetUnits = map[byte]int64{'k': 1 << 10, 'm': 1 << 20, 'g': 1 << 30}
)

// ParseSize parses a size such as "512", "8k" or "10m" (ngx_parse_size: units
// k and m, either case). nginx's size slots reject "g"; use ParseOffset for
// directives that take it (client_max_body_size, *_max_temp_file_size).
func ParseSize(s string) (int64, error) { return parseScaled(s, "size", sizeUnits) }

// ParseOffset parses a size that may also use "g" (ngx_parse_offset).
func ParseOffset(s string) (int64, error) { return parseScaled(s, "size", offsetUnits) }

// ParseFlag parses "on" or "off", case-insensitively as ngx_conf_set_flag_slot.
func ParseFlag(s string) (bool, error) {
	switch {
	case strings.EqualFold(s, "on"):
		return true, nil
	case strings.EqualFold(s, "off"):
		return false, nil
	}
	return false, fmt.Errorf("%w: %q, it must be \"on\" or \"off\"", ErrInvalidValue, s)
}

// timeMode selects which units ngx_parse_time accepts.
type timeMode uint8

const (
	timeMsec timeMode = iota // ngx_conf_set_msec_slot: ms allowed, y and M not
	timeSec                  // ngx_conf_set_sec_slot: y and M allowed, ms not
	timeAny                  // every unit (ParseTime)
)

// Time units in the order nginx requires them (larger first), with their
// length in milliseconds.
const (
	stStart = iota
	stYear
	stMonth
	stWeek
	stDay
	stHour
	stMin
	stSec
	stMsec
)

// parseTimeMs follows ngx_parse_time: a sequence of NUMBER[UNIT] parts with
// units y M w d h m s ms, each unit at most once and in decreasing order,
// spaces allowed between parts; a bare number at the end is seconds. The
// result is in milliseconds.
func parseTimeMs(s string, mode timeMode) (int64, error) {
	const maxMs = math.MaxInt64 / int64(time.Millisecond) // stays a valid time.Duration
	step := stStart
	if mode == timeMsec {
		step = stMonth // y and M would overflow nginx's 32-bit msec timers
	}
	var total, value int64
	valid := false
	for i := 0; i < len(s); {
		c := s[i]
		if c >= '0' && c <= '9' {
			if value > (maxMs-int64(c-'0'))/10 {
				return 0, invalid("time", s)
			}
			value = value*10 + int64(c-'0')
			valid = true
			i++
			continue
		}
		i++
		var unitMs int64
		next := step
		switch c {
		case 'y':
			next, unitMs = stYear, 365*24*3600*1000
			if step > stStart {
				return 0, invalid("time", s)
			}
		case 'M':
			next, unitMs = stMonth, 30*24*3600*1000
		case 'w':
			next, unitMs = stWeek, 7*24*3600*1000
		case 'd':
			next, unitMs = stDay, 24*3600*1000
		case 'h':
			next, unitMs = stHour, 3600*1000
		case 'm':
			if i < len(s) && s[i] == 's' {
				if mode == timeSec {
					return 0, invalid("time", s)
				}
				i++
				next, unitMs = stMsec, 1
				break
			}
			next, unitMs = stMin, 60*1000
		case 's':
			next, unitMs = stSec, 1000
		case ' ':
			// A space ends a bare number like a unit-less part would.
			next, unitMs = stSec, 1000
		default:
			return 0, invalid("time", s)
		}
		if next != stYear && step >= next {
			return 0, invalid("time", s)
		}
		step = next
		if value > maxMs/unitMs {
			return 0, invalid("time", s)
		}
		value *= unitMs
		if total > maxMs-value {
			return 0, invalid("time", s)
		}
		total += value
		value = 0
		for i < len(s) && s[i] == ' ' {
			i++
		}
	}
	if !valid {
		return 0, invalid("time", s)
	}
	// A trailing number without a unit counts as seconds.
	if value > maxMs/1000 || total > maxMs-value*1000 {
		return 0, invalid("time", s)
	}
	return total + value*1000, nil
}

// ParseTime parses an nginx time such as "30s", "1h30m", "500ms", "2d" or a
// bare number of seconds, accepting every unit nginx knows (ms s m h d w M y;
// M is 30 days, y 365 days).
func ParseTime(s string) (time.Duration, error) {
	ms, err := parseTimeMs(s, timeAny)
	return time.Duration(ms) * time.Millisecond, err
}

// ParseMsec parses a time exactly as ngx_conf_set_msec_slot accepts it
// (timeouts): "ms" allowed, months and years rejected.
func ParseMsec(s string) (time.Duration, error) {
	ms, err := parseTimeMs(s, timeMsec)
	return time.Duration(ms) * time.Millisecond, err
}

// ParseSec parses a time exactly as ngx_conf_set_sec_slot accepts it
// (expiry times): whole units down to seconds, "ms" rejected.
func ParseSec(s string) (time.Duration, error) {
	ms, err := parseTimeMs(s, timeSec)
	return time.Duration(ms) * time.Millisecond, err
}
