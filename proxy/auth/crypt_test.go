package auth

import (
	"errors"
	"testing"
)

// The vectors were made offline with the tools nginx users run:
// openssl passwd -apr1/-1/-5/-6 -salt ..., htpasswd -nbB/-nbs, and perl's
// crypt() (glibc/libxcrypt) for rounds= and DES.
var cryptVectors = []struct {
	name, stored string
}{
	{"plain", "{PLAIN}secret"},
	{"sha", "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ="},
	{"ssha", "{SSHA}" + sshaOf("secret", "saltsalt")},
	{"apr1", "$apr1$8sFt66rZ$eup.HOtZcQ/VrnApBM3rR/"},
	{"md5crypt", "$1$saltsalt$9xy1btjgzLYfb7hivXtC//"},
	{"sha256crypt", "$5$saltsalt$0IyaXrmV7.sGNS6tirgqHLqX/G.FBvgkYA.lpPdS5sA"},
	{"sha256crypt explicit default rounds", "$5$rounds=5000$abc$qsg6EHbUzHQzF1POlD7zUwBINSELQxypPaeDcZe6vH0"},
	{"sha256crypt rounds", "$5$rounds=1000$abcdefgh$XIppta5rT8zJUu4vAOKQXrwq9uY4Ijlz6VjyOmkx5i4"},
	{"sha512crypt", "$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1"},
	{"sha512crypt rounds", "$6$rounds=1000$saltsalt$LAV5VE5Y7w1d73x1mFNspYWUpazfmwv2SoepNXNKJ/otop/Zok96Hr8Q13LEv0DRY/x8v0/crpIjl8NJSAqXV/"},
	{"bcrypt 2y", "$2y$04$enZdE02xstMd6zYq8yEjVeRvPUxnQYKcbfNbYBR26ldXnMqHUj/oO"},
	{"bcrypt 2b", "$2b$04$enZdE02xstMd6zYq8yEjVeRvPUxnQYKcbfNbYBR26ldXnMqHUj/oO"},
	{"des", "abNANd1rDfiNc"},
}

func TestVerifyVectors(t *testing.T) {
	for _, v := range cryptVectors {
		t.Run(v.name, func(t *testing.T) {
			ok, err := Verify([]byte("secret"), []byte(v.stored))
			if err != nil || !ok {
				t.Fatalf("Verify(secret, %s) = %v, %v; want true", v.stored, ok, err)
			}
			ok, err = Verify([]byte("Secret"), []byte(v.stored))
			if err != nil || ok {
				t.Fatalf("Verify(Secret, %s) = %v, %v; want false", v.stored, ok, err)
			}
			// A truncated or extended stored value no longer matches:
			// nginx compares the whole crypt output.
			ok, _ = Verify([]byte("secret"), []byte(v.stored+"x"))
			if ok {
				t.Fatalf("a stored value with a trailing byte must not match")
			}
		})
	}
}

func TestVerifyEdgeCases(t *testing.T) {
	tests := []struct {
		name, password, stored string
		want                   bool
		err                    error
	}{
		{"empty stored never matches", "", "", false, nil},
		{"unknown scheme never matches", "secret", "$9$whatever", false, nil},
		{"plain empty password", "", "{PLAIN}", true, nil},
		{"password ends at NUL", "secret\x00tail", "{PLAIN}secret", true, nil},
		{"ssha with short decoded value", "secret", "{SSHA}AAAA", false, nil},
		{"ssha with bad base64", "secret", "{SSHA}!!!!", false, nil},
		{"bcrypt malformed", "secret", "$2y$04$short", false, nil},
		{"des", "secret", "abNANd1rDfiNc", true, nil},
		{"des wrong password", "Secret", "abNANd1rDfiNc", false, nil},
		{"bsdi des is reported", "secret", "_J9..saltLXKE4peqNCg", false, ErrUnsupportedScheme},
		{"sha256 rounds below minimum are clamped", "secret", "$5$rounds=10$abcdefgh$XIppta5rT8zJUu4vAOKQXrwq9uY4Ijlz6VjyOmkx5i4", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Verify([]byte(tt.password), []byte(tt.stored))
			if got != tt.want || !errors.Is(err, tt.err) {
				t.Fatalf("Verify(%q, %q) = %v, %v; want %v, %v", tt.password, tt.stored, got, err, tt.want, tt.err)
			}
		})
	}
}

// TestSHACryptClampsRounds checks that rounds=10 is computed as 1000 and
// printed as such (glibc's behaviour), so the clamped form is what matches.
func TestSHACryptClampsRounds(t *testing.T) {
	got := string(shaCrypt([]byte("secret"), []byte("$5$rounds=10$abcdefgh$"), sha256Spec))
	want := "$5$rounds=1000$abcdefgh$XIppta5rT8zJUu4vAOKQXrwq9uY4Ijlz6VjyOmkx5i4"
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestBcryptLongPasswordIsCut(t *testing.T) {
	// crypt(3) reads 72 bytes of a bcrypt password; so must Verify.
	long := make([]byte, 100)
	for i := range long {
		long[i] = 'a'
	}
	stored := []byte(bcryptOf(t, long[:72]))
	if ok, err := Verify(long, stored); !ok || err != nil {
		t.Fatalf("a password longer than 72 bytes must match on its first 72: %v %v", ok, err)
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, v := range cryptVectors {
		if v.name == "bcrypt 2b" || v.name == "sha256crypt explicit default rounds" || v.name == "sha512crypt rounds" || v.name == "sha256crypt rounds" {
			continue
		}
		b.Run(v.name, func(b *testing.B) {
			pw, stored := []byte("secret"), []byte(v.stored)
			b.ReportAllocs()
			for b.Loop() {
				if ok, _ := Verify(pw, stored); !ok {
					b.Fatal("no match")
				}
			}
		})
	}
}
