package accesslog

// Escape is a log_format's escape= mode.
type Escape uint8

const (
	// EscapeDefault writes `"`, `\`, control bytes and bytes ≥ 0x7f as \xHH
	// and a variable that is not found as "-".
	EscapeDefault Escape = iota
	// EscapeJSON escapes as JSON strings need; not found is empty.
	EscapeJSON
	// EscapeNone writes values as they are; not found is empty.
	EscapeNone
)

func (e Escape) String() string {
	switch e {
	case EscapeJSON:
		return "json"
	case EscapeNone:
		return "none"
	}
	return "default"
}

const upperHex = "0123456789ABCDEF"

// needsDefaultEscape is ngx_http_log_escape's table: control bytes, `"`,
// `\`, DEL and every byte ≥ 0x80.
func needsDefaultEscape(c byte) bool {
	return c < 0x20 || c == '"' || c == '\\' || c >= 0x7f
}

// appendDefaultEscaped appends v with nginx's default access-log escaping.
func appendDefaultEscaped(dst, v []byte) []byte {
	start := 0
	for i, c := range v {
		if !needsDefaultEscape(c) {
			continue
		}
		dst = append(dst, v[start:i]...)
		dst = append(dst, '\\', 'x', upperHex[c>>4], upperHex[c&0xf])
		start = i + 1
	}
	return append(dst, v[start:]...)
}

// appendJSONEscaped appends v escaped as ngx_escape_json does: `"` and `\`
// backslashed, \n \r \t \b \f by name, other control bytes as \u00HH;
// bytes ≥ 0x7f pass unchanged.
func appendJSONEscaped(dst, v []byte) []byte {
	start := 0
	for i, c := range v {
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, v[start:i]...)
		start = i + 1
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		default:
			dst = append(dst, '\\', 'u', '0', '0', upperHex[c>>4], upperHex[c&0xf])
		}
	}
	return append(dst, v[start:]...)
}
