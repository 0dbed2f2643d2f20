package vars

// hostClass classifies the bytes of a Host value for ValidateHost: most
// bytes need no attention, so one table lookup per byte decides.
var hostClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c == '.':
			t[c] = hcDot
		case c == ':':
			t[c] = hcColon
		case c == '[':
			t[c] = hcOpen
		case c == ']':
			t[c] = hcClose
		case c == 0 || c == '/' || c == '\\' || c <= 0x20 || c == 0x7f:
			t[c] = hcInvalid
		case c >= 'A' && c <= 'Z':
			t[c] = hcUpper
		}
	}
	return t
}()

const (
	hcPlain uint8 = iota
	hcDot
	hcColon
	hcOpen
	hcClose
	hcInvalid
	hcUpper
)

// ValidateHost checks a Host header or request-line host as
// ngx_http_validate_host does and appends the normalised host to dst:
// lowercased, without the port, without one trailing dot. ok=false means
// nginx answers 400 ("client sent invalid host header"): an empty host, "..",
// a NUL, a "/" or "\", a control character or space.
// An IPv6 literal keeps its brackets ("[::1]:80" gives "[::1]").
func ValidateHost(dst, host []byte) (out []byte, ok bool) {
	const (
		usual = iota
		literal
		rest
	)
	state := usual
	dotPos := len(host)
	hostLen := len(host)
	upper := false
	for i, c := range host {
		switch hostClass[c] {
		case hcPlain:
		case hcUpper:
			upper = true
		case hcDot:
			if dotPos == i-1 {
				return dst, false
			}
			dotPos = i
		case hcColon:
			if state == usual {
				hostLen = i
				state = rest
			}
		case hcOpen:
			if i == 0 {
				state = literal
			}
		case hcClose:
			if state == literal {
				hostLen = i + 1
				state = rest
			}
		default:
			return dst, false
		}
	}
	if dotPos == hostLen-1 {
		hostLen--
	}
	if hostLen <= 0 {
		return dst, false
	}
	if !upper {
		return append(dst, host[:hostLen]...), true
	}
	for _, c := range host[:hostLen] {
		if hostClass[c] == hcUpper {
			c |= 0x20
		}
		dst = append(dst, c)
	}
	return dst, true
}
