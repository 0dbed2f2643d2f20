package auth

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestFindUser(t *testing.T) {
	tests := []struct {
		name, file, user string
		hash             string
		found            bool
	}{
		{"first line", "bob:h1\n", "bob", "h1", true},
		{"no trailing newline", "bob:h1", "bob", "h1", true},
		{"later line", "ann:h0\nbob:h1\n", "bob", "h1", true},
		{"first match wins", "bob:h1\nbob:h2\n", "bob", "h1", true},
		{"prefix of a longer name", "bobby:h1\n", "bob", "", false},
		{"longer than the name in file", "bo:h1\n", "bob", "", false},
		{"comment", "#bob:h1\nbob:h2\n", "bob", "h2", true},
		{"blank lines", "\n\n\nbob:h1\n", "bob", "h1", true},
		{"crlf", "ann:h0\r\nbob:h1\r\n", "bob", "h1", true},
		{"cr line is skipped", "\rbob:h1\nbob:h2\n", "bob", "h2", true},
		{"extra fields", "bob:h1:gecos:x\n", "bob", "h1", true},
		{"leading space is part of the name", " bob:h1\n", "bob", "", false},
		{"leading space user", " bob:h1\n", " bob", "h1", true},
		{"empty hash", "bob:\n", "bob", "", true},
		{"hash at eof after colon", "bob:", "bob", "", true},
		{"missing", "ann:h0\n", "bob", "", false},
		{"empty file", "", "bob", "", false},
		{"name with hash in the middle", "b#b:h1\n", "b#b", "h1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hash, found := FindUser([]byte(tt.file), []byte(tt.user))
			if found != tt.found || string(hash) != tt.hash {
				t.Fatalf("FindUser(%q, %q) = %q, %v; want %q, %v", tt.file, tt.user, hash, found, tt.hash, tt.found)
			}
		})
	}
}

// TestTestdataUsers checks every user of testdata/auth/users with password
// "secret", as the proxy tests do through real requests.
func TestTestdataUsers(t *testing.T) {
	file, err := os.ReadFile(filepath.Join("..", "..", "testdata", "auth", "users"))
	if err != nil {
		t.Fatal(err)
	}
	for _, user := range []string{"plain", "sha", "ssha", "apr1", "md5", "sha256", "sha512", "bcrypt", "extra", "crlf", " space", "des"} {
		hash, found := FindUser(file, []byte(user))
		if !found {
			t.Errorf("%q not found", user)
			continue
		}
		if ok, err := Verify([]byte("secret"), hash); !ok || err != nil {
			t.Errorf("%q: Verify = %v, %v", user, ok, err)
		}
	}
}

func TestParseAuthorization(t *testing.T) {
	tests := []struct {
		value, user, password string
		ok                    bool
	}{
		{"Basic Ym9iOnNlY3JldA==", "bob", "secret", true},
		{"basic Ym9iOnNlY3JldA==", "bob", "secret", true},
		{"BASIC    Ym9iOnNlY3JldA", "bob", "secret", true},
		{"Basic Ym9iOnNlY3JldA==garbage", "bob", "secret", true}, // decoding stops at '='
		{"Basic Ym9iOg==", "bob", "", true},
		{"Basic Ym9iOnNlOmNyZXQ=", "bob", "se:cret", true},
		{"Basic OnNlY3JldA==", "", "", false},      // empty user
		{"Basic Ym9ic2VjcmV0", "", "", false},      // no colon
		{"Basic !!!!", "", "", false},              // not base64
		{"Basic Ym9iO", "", "", false},             // one character past a group
		{"Basic ", "", "", false},                  // nothing
		{"Basic", "", "", false},                   // too short
		{"Bearer Ym9iOnNlY3JldA==", "", "", false}, // other scheme
		{"Basic\tYm9iOnNlY3JldA==", "", "", false}, // only spaces separate
		{"", "", "", false},
	}
	for _, tt := range tests {
		user, password, ok := ParseAuthorization([]byte(tt.value))
		if ok != tt.ok || string(user) != tt.user || string(password) != tt.password {
			t.Errorf("ParseAuthorization(%q) = %q, %q, %v; want %q, %q, %v", tt.value, user, password, ok, tt.user, tt.password, tt.ok)
		}
	}
}

func TestFileCache(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "users")
	if err := os.WriteFile(path, []byte("a:1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := NewFileCache()
	if got, err := c.Read(path); err != nil || string(got) != "a:1\n" {
		t.Fatalf("first read %q %v", got, err)
	}
	// A new size is seen at once.
	if err := os.WriteFile(path, []byte("a:22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Read(path); string(got) != "a:22\n" {
		t.Fatalf("changed file read as %q", got)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(path); !os.IsNotExist(err) {
		t.Fatalf("a removed file must not be served from the cache: %v", err)
	}
}

func FuzzParseUserFile(f *testing.F) {
	f.Add([]byte("# c\nbob:{PLAIN}x\r\nann:$apr1$s$h:extra\n"), []byte("bob"))
	f.Add([]byte("bob"), []byte("bob"))
	f.Add([]byte("\rbob:x"), []byte("bob"))
	f.Fuzz(func(t *testing.T, file, user []byte) {
		if len(user) == 0 || bytes.IndexByte(user, ':') >= 0 {
			return // ParseAuthorization never yields such names
		}
		hash, found := FindUser(file, user)
		if !found {
			if hash != nil {
				t.Fatal("hash without a match")
			}
			return
		}
		if bytes.ContainsAny(hash, ":\r\n") {
			t.Fatalf("hash %q holds a field or line separator", hash)
		}
		line := append(append(append([]byte{}, user...), ':'), hash...)
		if !bytes.HasPrefix(file, line) && !bytes.Contains(file, append([]byte("\n"), line...)) {
			t.Fatalf("match %q is not at the start of a line of %q", line, file)
		}
	})
}

func FuzzParseAuthorization(f *testing.F) {
	f.Add([]byte("Basic Ym9iOnNlY3JldA=="))
	f.Add([]byte("basic  Og=="))
	f.Fuzz(func(t *testing.T, value []byte) {
		user, _, ok := ParseAuthorization(value)
		if ok && (len(user) == 0 || bytes.IndexByte(user, ':') >= 0) {
			t.Fatalf("bad user %q from %q", user, value)
		}
	})
}

func FuzzVerify(f *testing.F) {
	for _, v := range cryptVectors {
		f.Add([]byte("secret"), []byte(v.stored))
	}
	f.Fuzz(func(t *testing.T, password, stored []byte) {
		if bytes.Contains(stored, []byte("rounds=")) || isBcrypt(stored) {
			return // cost is the hash's to choose; not the fuzzer's to spend
		}
		_, _ = Verify(password, stored)
	})
}

// BenchmarkFindUser scans a 1000-user file for its last user, the work
// every request to an auth_basic location does after the cache hit.
func BenchmarkFindUser(b *testing.B) {
	var file []byte
	for i := range 1000 {
		file = append(file, "user"...)
		file = append(file, byte('0'+i/100), byte('0'+i/10%10), byte('0'+i%10))
		file = append(file, ":$apr1$8sFt66rZ$eup.HOtZcQ/VrnApBM3rR/\n"...)
	}
	user := []byte("user999")
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := FindUser(file, user); !ok {
			b.Fatal("not found")
		}
	}
}

func TestUnsupportedUsers(t *testing.T) {
	file := "# des:abNANd1rDfiNc\nann:{PLAIN}x\ndes:abNANd1rDfiNc\r\nbsdi:_J9..saltLXKE4peqNCg:gecos\nmd5:$1$saltsalt$9xy1btjgzLYfb7hivXtC//\n"
	got := UnsupportedUsers([]byte(file))
	if len(got) != 1 || got[0] != "bsdi" {
		t.Fatalf("UnsupportedUsers = %q, want [bsdi]", got)
	}
}
