package auth

import (
	"crypto/sha1"
	"encoding/base64"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// sshaOf builds a {SSHA} value the way slappasswd does: base64 of
// SHA1(password+salt) followed by the salt.
func sshaOf(password, salt string) string {
	sum := sha1.Sum([]byte(password + salt))
	return base64.StdEncoding.EncodeToString(append(sum[:], salt...))
}

func bcryptOf(t *testing.T, password []byte) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword(password, bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}
