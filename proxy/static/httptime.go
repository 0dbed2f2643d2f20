package static

import "time"

// daysInMonth is indexed by month 0..11 for a non-leap year.
var daysInMonth = [12]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// ParseHTTPTime parses a date the way nginx's ngx_parse_http_time does and
// returns Unix seconds. It accepts the three forms HTTP allows:
//
//	Tue, 10 Nov 2002 23:50:13 GMT   (RFC 822/1123)
//	Tuesday, 10-Dec-02 23:50:13 GMT (RFC 850)
//	Tue Dec 10 23:50:13 2002        (asctime)
//
// Like nginx it ignores the weekday and anything after the time (the "GMT"),
// and it is lenient where nginx is (day 0, any 3-letter month prefix nginx
// recognises by one or two letters). ok is false when nginx would return
// NGX_ERROR. Unlike the C code it never reads past the end of value.
func ParseHTTPTime(value []byte) (sec int64, ok bool) {
	const (
		rfc822 = iota + 1
		rfc850
		isoc
	)
	end := len(value)
	// at reads like C reads a NUL-terminated string: past the end is 0.
	at := func(i int) byte {
		if i < end {
			return value[i]
		}
		return 0
	}
	digit := func(i int) (int, bool) {
		c := at(i)
		if c < '0' || c > '9' {
			return 0, false
		}
		return int(c - '0'), true
	}
	two := func(i int) (int, bool) {
		a, ok1 := digit(i)
		b, ok2 := digit(i + 1)
		return a*10 + b, ok1 && ok2
	}
	four := func(i int) (int, bool) {
		a, ok1 := two(i)
		b, ok2 := two(i + 2)
		return a*100 + b, ok1 && ok2
	}

	form := 0
	p := 0
	for ; p < end; p++ {
		if value[p] == ',' {
			break
		}
		if value[p] == ' ' {
			form = isoc
			break
		}
	}
	for p++; p < end; p++ {
		if value[p] != ' ' {
			break
		}
	}
	if end-p < 18 {
		return 0, false
	}

	var day, year int
	if form != isoc {
		d, ok := two(p)
		if !ok {
			return 0, false
		}
		day = d
		p += 2
		switch at(p) {
		case ' ':
			if end-p < 18 {
				return 0, false
			}
			form = rfc822
		case '-':
			form = rfc850
		default:
			return 0, false
		}
		p++
	}

	var month int
	switch at(p) {
	case 'J':
		switch {
		case at(p+1) == 'a':
			month = 0
		case at(p+2) == 'n':
			month = 5
		default:
			month = 6
		}
	case 'F':
		month = 1
	case 'M':
		if at(p+2) == 'r' {
			month = 2
		} else {
			month = 4
		}
	case 'A':
		if at(p+1) == 'p' {
			month = 3
		} else {
			month = 7
		}
	case 'S':
		month = 8
	case 'O':
		month = 9
	case 'N':
		month = 10
	case 'D':
		month = 11
	default:
		return 0, false
	}
	p += 3
	if (form == rfc822 && at(p) != ' ') || (form == rfc850 && at(p) != '-') {
		return 0, false
	}
	p++

	switch form {
	case rfc822:
		y, ok := four(p)
		if !ok {
			return 0, false
		}
		year = y
		p += 4
	case rfc850:
		y, ok := two(p)
		if !ok {
			return 0, false
		}
		if y < 70 {
			y += 2000
		} else {
			y += 1900
		}
		year = y
		p += 2
	case isoc:
		if at(p) == ' ' {
			p++
		}
		d, ok := digit(p)
		if !ok {
			return 0, false
		}
		day = d
		p++
		if at(p) != ' ' {
			d2, ok := digit(p)
			if !ok {
				return 0, false
			}
			day = day*10 + d2
			p++
		}
		if end-p < 14 {
			return 0, false
		}
	}

	if at(p) != ' ' {
		return 0, false
	}
	p++
	hour, ok := two(p)
	if !ok {
		return 0, false
	}
	p += 2
	if at(p) != ':' {
		return 0, false
	}
	p++
	minute, ok := two(p)
	if !ok {
		return 0, false
	}
	p += 2
	if at(p) != ':' {
		return 0, false
	}
	p++
	second, ok := two(p)
	if !ok {
		return 0, false
	}
	if form == isoc {
		p += 2
		if at(p) != ' ' {
			return 0, false
		}
		p++
		y, ok := four(p)
		if !ok {
			return 0, false
		}
		year = y
	}

	if hour > 23 || minute > 59 || second > 59 {
		return 0, false
	}
	if day == 29 && month == 1 {
		if year&3 != 0 || (year%100 == 0 && year%400 != 0) {
			return 0, false
		}
	} else if day > daysInMonth[month] {
		return 0, false
	}
	// Day 0 passes nginx's checks; time.Date normalises it to the last day of
	// the previous month, which is what nginx's day arithmetic yields too.
	t := time.Date(year, time.Month(month+1), day, hour, minute, second, 0, time.UTC)
	return t.Unix(), true
}

// AppendHTTPTime appends t in the IMF-fixdate form nginx uses for
// Last-Modified and Expires ("Mon, 28 Sep 1970 06:00:00 GMT").
func AppendHTTPTime(dst []byte, unix int64) []byte {
	return time.Unix(unix, 0).UTC().AppendFormat(dst, "Mon, 02 Jan 2006 15:04:05 GMT")
}
