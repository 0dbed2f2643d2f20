package auth

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"strconv"
)

// shaSpec describes one of Ulrich Drepper's SHA-crypt variants.
type shaSpec struct {
	magic string
	new   func() hash.Hash
	// order lists the digest bytes in the output's groups of three; the
	// last group may be shorter (its missing leading bytes are zero).
	order [][]int
}

var sha256Spec = shaSpec{
	magic: "$5$",
	new:   sha256.New,
	order: [][]int{
		{0, 10, 20}, {21, 1, 11}, {12, 22, 2}, {3, 13, 23}, {24, 4, 14},
		{15, 25, 5}, {6, 16, 26}, {27, 7, 17}, {18, 28, 8}, {9, 19, 29},
		{31, 30},
	},
}

var sha512Spec = shaSpec{
	magic: "$6$",
	new:   sha512.New,
	order: [][]int{
		{0, 21, 42}, {22, 43, 1}, {44, 2, 23}, {3, 24, 45}, {25, 46, 4},
		{47, 5, 26}, {6, 27, 48}, {28, 49, 7}, {50, 8, 29}, {9, 30, 51},
		{31, 52, 10}, {53, 11, 32}, {12, 33, 54}, {34, 55, 13}, {56, 14, 35},
		{15, 36, 57}, {37, 58, 16}, {59, 17, 38}, {18, 39, 60}, {40, 61, 19},
		{62, 20, 41}, {63},
	},
}

const (
	shaRoundsDefault = 5000
	shaRoundsMin     = 1000
	shaRoundsMax     = 999999999
	shaSaltMax       = 16
)

// shaCrypt is SHA-crypt as glibc and libxcrypt compute it: the setting is
// the stored hash, "$5$[rounds=N$]salt$...". An explicit rounds value is
// clamped to [1000, 999999999] and repeated in the output.
func shaCrypt(key, setting []byte, spec shaSpec) []byte {
	rest := setting[len(spec.magic):]
	rounds, custom := shaRoundsDefault, false
	if r, ok := bytes.CutPrefix(rest, []byte("rounds=")); ok {
		if i := bytes.IndexByte(r, '$'); i > 0 {
			if n, err := strconv.ParseUint(string(r[:i]), 10, 64); err == nil {
				rounds, custom = int(min(max(n, shaRoundsMin), shaRoundsMax)), true
				rest = r[i+1:]
			}
		}
	}
	salt := rest
	if i := bytes.IndexByte(salt, '$'); i >= 0 {
		salt = salt[:i]
	}
	if len(salt) > shaSaltMax {
		salt = salt[:shaSaltMax]
	}

	h := spec.new()
	size := h.Size()

	h.Write(key)
	h.Write(salt)
	h.Write(key)
	b := h.Sum(nil)

	h.Reset()
	h.Write(key)
	h.Write(salt)
	n := len(key)
	for ; n > size; n -= size {
		h.Write(b)
	}
	h.Write(b[:n])
	for n = len(key); n > 0; n >>= 1 {
		if n&1 != 0 {
			h.Write(b)
		} else {
			h.Write(key)
		}
	}
	a := h.Sum(nil)

	h.Reset()
	for range len(key) {
		h.Write(key)
	}
	p := repeatTo(h.Sum(nil), len(key))

	h.Reset()
	for range 16 + int(a[0]) {
		h.Write(salt)
	}
	s := repeatTo(h.Sum(nil), len(salt))

	c := a
	for i := 0; i < rounds; i++ {
		h.Reset()
		if i&1 != 0 {
			h.Write(p)
		} else {
			h.Write(c)
		}
		if i%3 != 0 {
			h.Write(s)
		}
		if i%7 != 0 {
			h.Write(p)
		}
		if i&1 != 0 {
			h.Write(c)
		} else {
			h.Write(p)
		}
		c = h.Sum(c[:0])
	}

	out := make([]byte, 0, 128)
	out = append(out, spec.magic...)
	if custom {
		out = append(out, "rounds="...)
		out = strconv.AppendInt(out, int64(rounds), 10)
		out = append(out, '$')
	}
	out = append(out, salt...)
	out = append(out, '$')
	for _, g := range spec.order {
		var v uint32
		for _, idx := range g {
			v = v<<8 | uint32(c[idx])
		}
		out = appendB64(out, v, len(g)+1)
	}
	return out
}

// repeatTo fills n bytes with copies of digest (SHA-crypt's P and S strings).
func repeatTo(digest []byte, n int) []byte {
	out := make([]byte, n)
	for i := 0; i < n; i += len(digest) {
		copy(out[i:], digest)
	}
	return out
}
