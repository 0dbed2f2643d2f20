package auth

import (
	"bytes"
	"crypto/md5"
)

const (
	magicMD5  = "$1$"
	magicAPR1 = "$apr1$"
	// cryptAlphabet is crypt(3)'s base-64 alphabet.
	cryptAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// md5Crypt is Poul-Henning Kamp's MD5 crypt, used with "$1$" by crypt(3) and
// with "$apr1$" by Apache (ngx_crypt_apr1): only the magic differs. The salt
// is read from setting (the stored hash): up to eight characters after the
// magic, ending at '$'.
func md5Crypt(key, setting []byte, magic string) []byte {
	salt := setting[len(magic):]
	if i := bytes.IndexByte(salt, '$'); i >= 0 {
		salt = salt[:i]
	}
	if len(salt) > 8 {
		salt = salt[:8]
	}

	alt := md5.New()
	alt.Write(key)
	alt.Write(salt)
	alt.Write(key)
	altSum := alt.Sum(nil)

	ctx := md5.New()
	ctx.Write(key)
	ctx.Write([]byte(magic))
	ctx.Write(salt)
	for i := len(key); i > 0; i -= md5.Size {
		ctx.Write(altSum[:min(i, md5.Size)])
	}
	for i := len(key); i != 0; i >>= 1 {
		if i&1 != 0 {
			ctx.Write([]byte{0})
		} else {
			ctx.Write(key[:1])
		}
	}
	final := ctx.Sum(nil)

	// 1000 rounds to slow down brute force, mixing key, salt and the
	// previous digest in an order that depends on the round number.
	for i := 0; i < 1000; i++ {
		c := md5.New()
		if i&1 != 0 {
			c.Write(key)
		} else {
			c.Write(final)
		}
		if i%3 != 0 {
			c.Write(salt)
		}
		if i%7 != 0 {
			c.Write(key)
		}
		if i&1 != 0 {
			c.Write(final)
		} else {
			c.Write(key)
		}
		final = c.Sum(final[:0])
	}

	out := make([]byte, 0, len(magic)+len(salt)+1+22)
	out = append(out, magic...)
	out = append(out, salt...)
	out = append(out, '$')
	out = appendB64(out, uint32(final[0])<<16|uint32(final[6])<<8|uint32(final[12]), 4)
	out = appendB64(out, uint32(final[1])<<16|uint32(final[7])<<8|uint32(final[13]), 4)
	out = appendB64(out, uint32(final[2])<<16|uint32(final[8])<<8|uint32(final[14]), 4)
	out = appendB64(out, uint32(final[3])<<16|uint32(final[9])<<8|uint32(final[15]), 4)
	out = appendB64(out, uint32(final[4])<<16|uint32(final[10])<<8|uint32(final[5]), 4)
	out = appendB64(out, uint32(final[11]), 2)
	return out
}

// appendB64 appends n characters of v, low six bits first (crypt's to64).
func appendB64(dst []byte, v uint32, n int) []byte {
	for ; n > 0; n-- {
		dst = append(dst, cryptAlphabet[v&0x3f])
		v >>= 6
	}
	return dst
}
