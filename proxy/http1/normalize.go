package http1

// NormalizePath appends to dst the path nginx derives from a raw request target for
// $uri (ngx_http_parse_complex_uri): percent-decoding, merging "//" when
// mergeSlashes (merge_slashes on, the default), removing "." segments and resolving
// ".." ones; the query ('?') and fragment ('#') are cut off. A decoded "%2F" or
// "%2E" acts like '/' or '.', while decoded '%', '#' and '?' stay literal characters.
// A bad escape, "%00", or ".." above the root is nginx's 400 "client sent invalid
// request". target must start with '/' or '?' (an absolute-form target without path).
//
// It is the one implementation of this normalisation: the Reader fills Request.URI
// with it, and vars (NormalizeURIMerge, SetClient for requests built by hand) calls it.
func NormalizePath(dst, target []byte, mergeSlashes bool) ([]byte, error) {
	const (
		usual = iota
		slash
		dot
		dotDot
		quoted
		quotedSecond
	)
	base := len(dst)
	if len(target) > 0 && target[0] == '?' {
		dst = append(dst, '/')
	}
	state, quotedState := usual, usual
	var decoded byte
	// upDir removes the segment before a trailing "/.." of dst, keeping its slash.
	upDir := func() bool {
		j := len(dst) - 4
		for {
			if j < base {
				return false
			}
			if dst[j] == '/' {
				dst = dst[:j+1]
				return true
			}
			j--
		}
	}
	invalid := func() ([]byte, error) { return dst[:base], errInvalidRequest() }

scan:
	for i := 0; i < len(target); i++ {
		ch := target[i]
		for redo := true; redo; {
			redo = false
			switch state {
			case usual:
				switch ch {
				case '/':
					state = slash
					dst = append(dst, ch)
				case '%':
					quotedState, state = state, quoted
				case '?', '#':
					break scan
				default:
					dst = append(dst, ch)
				}
			case slash:
				switch ch {
				case '/':
					if !mergeSlashes {
						dst = append(dst, ch)
					}
				case '.':
					state = dot
					dst = append(dst, ch)
				case '%':
					quotedState, state = state, quoted
				case '?', '#':
					break scan
				default:
					state = usual
					dst = append(dst, ch)
				}
			case dot:
				switch ch {
				case '/':
					state = slash
					dst = dst[:len(dst)-1]
				case '.':
					state = dotDot
					dst = append(dst, ch)
				case '%':
					quotedState, state = state, quoted
				case '?', '#':
					dst = dst[:len(dst)-1]
					state = usual
					break scan
				default:
					state = usual
					dst = append(dst, ch)
				}
			case dotDot:
				switch ch {
				case '/', '?', '#':
					if !upDir() {
						return invalid()
					}
					state = slash
					if ch != '/' {
						state = usual
						break scan
					}
				case '%':
					quotedState, state = state, quoted
				default:
					state = usual
					dst = append(dst, ch)
				}
			case quoted:
				if !isHexDigit[ch] {
					return invalid()
				}
				decoded = byte(unhex(ch))
				state = quotedSecond
			case quotedSecond:
				if !isHexDigit[ch] {
					return invalid()
				}
				ch = decoded<<4 | byte(unhex(ch))
				switch ch {
				case 0:
					return invalid()
				case '%', '#', '?':
					state = usual
					dst = append(dst, ch)
				default:
					// The decoded byte is processed like a raw one.
					state = quotedState
					redo = true
				}
			}
		}
	}
	switch state {
	case quoted, quotedSecond:
		return invalid()
	case dot:
		dst = dst[:len(dst)-1]
	case dotDot:
		if !upDir() {
			return invalid()
		}
	}
	return dst, nil
}
