package static

import (
	"errors"
	"strconv"
	"time"

	"sliceproxy/nginxconf"
)

// ExpiresMode is the kind of an expires directive.
type ExpiresMode int

const (
	ExpiresOff      ExpiresMode = iota
	ExpiresEpoch                // "Thu, 01 Jan 1970 00:00:01 GMT", no-cache
	ExpiresMax                  // "Thu, 31 Dec 2037 23:55:55 GMT", 10 years
	ExpiresAccess               // now + time
	ExpiresModified             // Last-Modified + time
	ExpiresDaily                // next @time-of-day (local time)
)

// Expires is a parsed "expires" setting.
type Expires struct {
	Mode ExpiresMode
	// Seconds is the offset for Access/Modified (may be negative) or the
	// time of day for Daily.
	Seconds int64
}

// parseExpires is ngx_http_parse_expires: value is one argument, modified
// tells whether it followed the "modified" keyword.
func parseExpires(value string, modified bool) (Expires, error) {
	e := Expires{Mode: ExpiresAccess}
	if modified {
		e.Mode = ExpiresModified
	} else {
		switch value {
		case "epoch":
			return Expires{Mode: ExpiresEpoch}, nil
		case "max":
			return Expires{Mode: ExpiresMax}, nil
		case "off":
			return Expires{Mode: ExpiresOff}, nil
		}
	}
	minus := false
	switch {
	case len(value) > 0 && value[0] == '@':
		if modified {
			return e, errors.New(`daily time cannot be used with "modified" parameter`)
		}
		e.Mode = ExpiresDaily
		value = value[1:]
	case len(value) > 0 && value[0] == '+':
		value = value[1:]
	case len(value) > 0 && value[0] == '-':
		value = value[1:]
		minus = true
	}
	d, err := nginxconf.ParseSec(value)
	if err != nil {
		return e, errors.New("invalid value")
	}
	t := int64(d / time.Second)
	if e.Mode == ExpiresDaily && t > 24*60*60 {
		return e, errors.New("daily time value must be less than 24 hours")
	}
	if minus {
		t = -t
	}
	e.Seconds = t
	return e, nil
}

// expiresHeaders computes the Expires and Cache-Control values nginx's
// ngx_http_set_expires would send. lastModified is -1 when the response has
// none. now is the request's clock (nginx's cached time).
func expiresHeaders(e Expires, lastModified int64, now time.Time, expiresBuf, ccBuf []byte) (expires, cacheControl []byte) {
	switch e.Mode {
	case ExpiresOff:
		return nil, nil
	case ExpiresEpoch:
		return append(expiresBuf, "Thu, 01 Jan 1970 00:00:01 GMT"...), append(ccBuf, "no-cache"...)
	case ExpiresMax:
		return append(expiresBuf, "Thu, 31 Dec 2037 23:55:55 GMT"...), append(ccBuf, "max-age=315360000"...)
	}
	nowSec := now.Unix()
	if e.Seconds == 0 && e.Mode != ExpiresDaily {
		return AppendHTTPTime(expiresBuf, nowSec), append(ccBuf, "max-age=0"...)
	}
	var at, maxAge int64
	switch {
	case e.Mode == ExpiresDaily:
		at = nextTimeOfDay(now, e.Seconds)
		maxAge = at - nowSec
	case e.Mode == ExpiresAccess || lastModified == -1:
		maxAge = e.Seconds
		at = nowSec + e.Seconds
	default:
		at = lastModified + e.Seconds
		maxAge = at - nowSec
	}
	expires = AppendHTTPTime(expiresBuf, at)
	if e.Seconds < 0 || maxAge < 0 {
		return expires, append(ccBuf, "no-cache"...)
	}
	cacheControl = append(ccBuf, "max-age="...)
	return expires, strconv.AppendInt(cacheControl, maxAge, 10)
}

// nextTimeOfDay is ngx_next_time: the next moment, in local time, whose
// time of day is secs after midnight; today if still ahead, else tomorrow.
func nextTimeOfDay(now time.Time, secs int64) int64 {
	local := now.Local()
	y, m, d := local.Date()
	h, rest := int(secs/3600), secs%3600
	next := time.Date(y, m, d, h, int(rest/60), int(rest%60), 0, time.Local)
	if next.Unix()-now.Unix() > 0 {
		return next.Unix()
	}
	return time.Date(y, m, d+1, h, int(rest/60), int(rest%60), 0, time.Local).Unix()
}
