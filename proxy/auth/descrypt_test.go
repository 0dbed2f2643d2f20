package auth

import (
	"crypto/des"
	"testing"
)

// TestDESBlockMatchesStdlib checks the bit-array DES (with the unmodified
// expansion table, i.e. salt "..") against crypto/des.
func TestDESBlockMatchesStdlib(t *testing.T) {
	keys := [][]byte{
		{0x13, 0x34, 0x57, 0x79, 0x9B, 0xBC, 0xDF, 0xF1},
		{0, 0, 0, 0, 0, 0, 0, 0},
		{0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10},
	}
	plain := []byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF}
	for _, k := range keys {
		c, err := des.NewCipher(k)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]byte, 8)
		c.Encrypt(want, plain)

		var key, block [64]uint8
		unpack(k, &key)
		unpack(plain, &block)
		var s desState
		s.setKey(&key)
		s.e = desE
		s.encrypt(&block)
		var got [8]byte
		for i := range 64 {
			got[i/8] |= block[i] << (7 - i%8)
		}
		if string(got[:]) != string(want) {
			t.Fatalf("key %x: got %x, want %x", k, got, want)
		}
	}
}

func unpack(b []byte, bits *[64]uint8) {
	for i := range 64 {
		bits[i] = b[i/8] >> (7 - i%8) & 1
	}
}

// Vectors from glibc's crypt(3) (perl -e 'print crypt(PW, SALT)').
func TestDESCryptVectors(t *testing.T) {
	tests := []struct{ password, want string }{
		{"", "..X8NBuQ4l6uQ"},
		{"secret", "abNANd1rDfiNc"},
		{"password", "zZDDIZ0NOlPzw"},
		{"longerthan8chars", "./haKoGjqSo/Y"}, // only eight characters count
		{"longerth", "./haKoGjqSo/Y"},
		{"\xe9t\xe9", "Q9zAVQABPxqXs"}, // the eighth bit is dropped
		{"x", "9.ID3L4WZ5Gdw"},
		{"The quick", "AzcpmCYqGtXRA"},
	}
	for _, tt := range tests {
		got := string(desCrypt([]byte(tt.password), []byte(tt.want)))
		if got != tt.want {
			t.Errorf("crypt(%q, %q) = %q", tt.password, tt.want[:2], got)
		}
	}
}
