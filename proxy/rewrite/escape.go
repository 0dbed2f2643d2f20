package rewrite

// argsEscape marks the bytes nginx's ngx_escape_uri(NGX_ESCAPE_ARGS)
// percent-encodes: controls, space, '#', '%', '&', '+', ';', '?', DEL and
// every byte above 0x7f.
var argsEscape = [256]bool{}

func init() {
	for c := 0; c < 0x20; c++ {
		argsEscape[c] = true
	}
	for _, c := range " #%&+;?" {
		argsEscape[c] = true
	}
	for c := 0x7f; c < 0x100; c++ {
		argsEscape[c] = true
	}
}

// appendEscapedArgs appends s escaped as NGX_ESCAPE_ARGS does (upper-case
// hex digits).
func appendEscapedArgs(dst, s []byte) []byte {
	const hex = "0123456789ABCDEF"
	for _, c := range s {
		if argsEscape[c] {
			dst = append(dst, '%', hex[c>>4], hex[c&15])
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// unescapeRedirect decodes a redirect target as
// ngx_unescape_uri(NGX_UNESCAPE_REDIRECT) does before nginx sends it in
// Location: "%XX" becomes the byte when that byte is printable and above
// '%', and stays encoded otherwise; decoding stops after the first '?'
// (literal or "%3F"), the rest is kept verbatim. A '%' followed by a non-hex
// byte is dropped, and so is a "%X" followed by one, as nginx does.
func unescapeRedirect(b []byte) []byte {
	out := make([]byte, 0, len(b))
	const (
		usual = iota
		quoted
		quotedSecond
	)
	state := usual
	var decoded byte
	for i := 0; i < len(b); i++ {
		ch := b[i]
		switch state {
		case usual:
			if ch == '?' {
				out = append(out, b[i:]...)
				return out
			}
			if ch == '%' {
				state = quoted
				continue
			}
			out = append(out, ch)
		case quoted:
			if h, ok := unhex(ch); ok {
				decoded = h
				state = quotedSecond
				continue
			}
			state = usual
			out = append(out, ch)
		case quotedSecond:
			state = usual
			h, ok := unhex(ch)
			if !ok {
				continue
			}
			c := decoded<<4 + h
			if c == '?' {
				out = append(out, '?')
				out = append(out, b[i+1:]...)
				return out
			}
			if c > '%' && c < 0x7f {
				out = append(out, c)
			} else {
				out = append(out, '%', b[i-1], ch)
			}
		}
	}
	return out
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c|0x20 && c|0x20 <= 'f':
		return c | 0x20 - 'a' + 10, true
	}
	return 0, false
}
