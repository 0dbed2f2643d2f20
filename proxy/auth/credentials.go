package auth

import (
	"bytes"
	"encoding/base64"
)

// ParseAuthorization reads HTTP Basic credentials from an Authorization
// header value with ngx_http_auth_basic_user's rules: the scheme "Basic " is
// matched case-insensitively, spaces before the token are skipped, the
// token is base64 (padding optional, decoding stops at the first '=') and
// must hold a non-empty user name and a ':'. ok is false when no usable
// credentials were sent, which nginx reports as "no user/password was
// provided".
func ParseAuthorization(value []byte) (user, password []byte, ok bool) {
	const scheme = "basic "
	if len(value) < len(scheme) || !bytes.EqualFold(value[:len(scheme)], []byte(scheme)) {
		return nil, nil, false
	}
	token := bytes.TrimLeft(value[len(scheme):], " ")
	if len(token) == 0 {
		return nil, nil, false
	}
	decoded, ok := decodeBase64(token)
	if !ok {
		return nil, nil, false
	}
	i := bytes.IndexByte(decoded, ':')
	if i <= 0 {
		return nil, nil, false
	}
	return decoded[:i], decoded[i+1:], true
}

// decodeBase64 is ngx_decode_base64: the text up to the first '=' must be
// all base64 characters and not one character past a group of four.
func decodeBase64(src []byte) ([]byte, bool) {
	if i := bytes.IndexByte(src, '='); i >= 0 {
		src = src[:i]
	}
	if len(src)%4 == 1 {
		return nil, false
	}
	dst := make([]byte, base64.RawStdEncoding.DecodedLen(len(src)))
	n, err := base64.RawStdEncoding.Decode(dst, src)
	if err != nil {
		return nil, false
	}
	return dst[:n], true
}
