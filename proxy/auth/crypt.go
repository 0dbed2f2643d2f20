package auth

import (
	"bytes"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"errors"

	"golang.org/x/crypto/bcrypt"
)

// ErrUnsupportedScheme is returned for password hashes nginx would hand to
// the C library's crypt(3) but sliceproxy does not compute: BSDi extended
// DES ("_" followed by count and salt), which glibc/libxcrypt accept.
var ErrUnsupportedScheme = errors.New("password hash scheme not supported by sliceproxy (BSDi extended DES crypt)")

// bcryptMaxPassword is where crypt(3)'s bcrypt stops reading the password;
// Go's bcrypt rejects longer ones instead, so the password is cut first to
// give the same answer as nginx on Debian.
const bcryptMaxPassword = 72

// bcryptHashLen is the length of "$2y$NN$" + 22 salt + 31 hash characters.
const bcryptHashLen = 60

// Verify reports whether password matches stored, one password field of an
// htpasswd file, with ngx_crypt's rules: "{PLAIN}", "{SHA}", "{SSHA}" and
// "$apr1$" are nginx's own, everything else goes to crypt(3), of which
// MD5 ("$1$"), SHA-256 ("$5$"), SHA-512 ("$6$") and bcrypt ("$2a$", "$2b$",
// "$2y$") and traditional DES (13 characters) are computed here. nginx
// compares crypt's output with the stored text; so does Verify, in
// constant time. A stored value that no scheme recognises never matches
// (crypt(3) returns a failure token for it), except a BSDi extended DES
// one, which is ErrUnsupportedScheme.
//
// The password ends at its first NUL byte, as the C string nginx passes.
func Verify(password, stored []byte) (bool, error) {
	if i := bytes.IndexByte(password, 0); i >= 0 {
		password = password[:i]
	}
	var computed []byte
	switch {
	case bytes.HasPrefix(stored, []byte(magicAPR1)):
		computed = md5Crypt(password, stored, magicAPR1)
	case bytes.HasPrefix(stored, []byte("{PLAIN}")):
		computed = append([]byte("{PLAIN}"), password...)
	case bytes.HasPrefix(stored, []byte("{SSHA}")):
		computed = sshaCrypt(password, stored)
	case bytes.HasPrefix(stored, []byte("{SHA}")):
		sum := sha1.Sum(password)
		computed = append([]byte("{SHA}"), base64.StdEncoding.EncodeToString(sum[:])...)
	case bytes.HasPrefix(stored, []byte(magicMD5)):
		computed = md5Crypt(password, stored, magicMD5)
	case bytes.HasPrefix(stored, []byte("$5$")):
		computed = shaCrypt(password, stored, sha256Spec)
	case bytes.HasPrefix(stored, []byte("$6$")):
		computed = shaCrypt(password, stored, sha512Spec)
	case isBcrypt(stored):
		// crypt(3) ignores bytes after the 60 of a bcrypt hash, so
		// nginx's comparison of its output with the stored text fails
		// for a longer one; Go's bcrypt would ignore them.
		if len(stored) != bcryptHashLen {
			return false, nil
		}
		if len(password) > bcryptMaxPassword {
			password = password[:bcryptMaxPassword]
		}
		return bcrypt.CompareHashAndPassword(stored, password) == nil, nil
	case isTraditionalDES(stored):
		computed = desCrypt(password, stored)
	case isExtendedDES(stored):
		return false, ErrUnsupportedScheme
	default:
		return false, nil
	}
	return subtle.ConstantTimeCompare(computed, stored) == 1, nil
}

func isBcrypt(s []byte) bool {
	return len(s) > 4 && s[0] == '$' && s[1] == '2' && (s[2] == 'a' || s[2] == 'b' || s[2] == 'y') && s[3] == '$'
}

// isTraditionalDES recognises crypt(3)'s DES form: two salt characters
// and eleven hash characters.
func isTraditionalDES(s []byte) bool {
	return len(s) == 13 && allCryptChars(s)
}

// isExtendedDES recognises BSDi's extended DES: "_", four count and four
// salt characters, eleven hash characters.
func isExtendedDES(s []byte) bool {
	return len(s) == 20 && s[0] == '_' && allCryptChars(s[1:])
}

func allCryptChars(s []byte) bool {
	for _, c := range s {
		if bytes.IndexByte([]byte(cryptAlphabet), c) < 0 {
			return false
		}
	}
	return true
}

// sshaCrypt is ngx_crypt_ssha: the stored value is base64 of a SHA-1 digest
// followed by the salt; the result is the same layout for this password.
func sshaCrypt(password, stored []byte) []byte {
	enc := stored[len("{SSHA}"):]
	decoded := make([]byte, base64.StdEncoding.DecodedLen(len(enc)))
	n, err := base64.StdEncoding.Decode(decoded, enc)
	if err != nil || n < sha1.Size {
		// No salt to reuse: nothing can match.
		return nil
	}
	salt := decoded[sha1.Size:n]
	h := sha1.New()
	h.Write(password)
	h.Write(salt)
	out := h.Sum(nil)
	out = append(out, salt...)
	return append([]byte("{SSHA}"), base64.StdEncoding.EncodeToString(out)...)
}
