package vars

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestHostTable(t *testing.T) {
	tab := NewHostTable[string]()
	for _, k := range []string{
		"Example.com", ".example.org", "*.example.net", "*.a.example.net", "www.example.*",
		"www.example.co.*", "*.com", "mail.*", ".b.example.net",
	} {
		if err := tab.AddKey(k, k); err != nil {
			t.Fatalf("AddKey(%q): %v", k, err)
		}
	}
	for _, tc := range []struct{ name, want string }{
		{"example.com", "Example.com"},
		{"x.example.com", "*.com"},
		{"example.org", ".example.org"},
		{"deep.x.example.org", ".example.org"},
		{"example.net", "*.com"[:0]},
		{"x.example.net", "*.example.net"},
		{"a.example.net", "*.example.net"},
		{"z.a.example.net", "*.a.example.net"},
		{"b.example.net", ".b.example.net"},
		{"q.b.example.net", ".b.example.net"},
		{"www.example.de", "www.example.*"},
		{"www.example.co.uk", "www.example.co.*"},
		{"www.example", ""},
		{"mail.x", "mail.*"},
		{"mail", ""},
		{"com", ""},
		{".example.net", "*.example.net"},
		{"", ""},
		{"foo.com", "*.com"},
		{"www.example.com", "*.com"}, // head wildcards win over tail ones
	} {
		got, _ := tab.Find([]byte(tc.name))
		if got != tc.want {
			t.Errorf("Find(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestHostTableErrors(t *testing.T) {
	for _, tc := range []struct {
		keys []string
		err  string
	}{
		{[]string{"*"}, `invalid hostname or wildcard "*"`},
		{[]string{"*."}, `invalid hostname or wildcard "*."`},
		{[]string{"a.*.b"}, `invalid hostname or wildcard "a.*.b"`},
		{[]string{"*.a.*"}, `invalid hostname or wildcard "*.a.*"`},
		{[]string{"a..b"}, `invalid hostname or wildcard "a..b"`},
		{[]string{"*a.com"}, `invalid hostname or wildcard "*a.com"`},
		{[]string{"a\x00b"}, "invalid hostname or wildcard \"a\\x00b\""},
		{[]string{"a.com", "A.COM"}, `conflicting parameter "a.com"`},
		{[]string{"a.com", ".a.com"}, `conflicting parameter ".a.com"`},
		{[]string{".a.com", "a.com"}, `conflicting parameter "a.com"`},
		{[]string{".a.com", "*.A.com"}, `conflicting parameter "*.a.com"`},
		{[]string{"*.a.com", ".a.com"}, `conflicting parameter ".a.com"`},
		{[]string{"www.a.*", "WWW.a.*"}, `conflicting parameter "www.a.*"`},
	} {
		tab := NewHostTable[int]()
		var err error
		for _, k := range tc.keys {
			if err = tab.AddKey(k, 1); err != nil {
				break
			}
		}
		if err == nil || err.Error() != tc.err {
			t.Errorf("%q: got %v, want %s", tc.keys, err, tc.err)
		}
	}
	// "*.a.com" and "a.com" may coexist: only ".a.com" claims the exact name.
	tab := NewHostTable[int]()
	if err := tab.AddKey("*.a.com", 1); err != nil {
		t.Fatal(err)
	}
	if err := tab.AddKey("a.com", 2); err != nil {
		t.Fatal(err)
	}
}

// keyKind classifies a key the way ngx_hash_add_key does.
func keyKind(k string) string {
	switch {
	case len(k) > 1 && k[0] == '.':
		return "dot"
	case len(k) > 2 && k[:2] == "*.":
		return "star"
	case len(k) > 2 && k[len(k)-2:] == ".*":
		return "tail"
	}
	return "exact"
}

// naiveFind is the reference matcher: nginx's documented precedence
// computed by scanning every key.
func naiveFind(keys []string, name string) (string, bool) {
	for _, k := range keys {
		if keyKind(k) == "exact" && k == name {
			return k, true
		}
	}
	if name == "" {
		return "", false
	}
	best, bestLen := "", -1
	for _, k := range keys {
		var d string
		var matches bool
		switch keyKind(k) {
		case "star":
			d = k[2:]
			matches = strings.HasSuffix(name, "."+d)
		case "dot":
			d = k[1:]
			matches = name == d || strings.HasSuffix(name, "."+d)
		default:
			continue
		}
		if matches && len(d) > bestLen {
			best, bestLen = k, len(d)
		}
	}
	if bestLen >= 0 {
		return best, true
	}
	for _, k := range keys {
		if keyKind(k) == "tail" {
			p := k[:len(k)-2]
			if strings.HasPrefix(name, p+".") && len(p) > bestLen {
				best, bestLen = k, len(p)
			}
		}
	}
	return best, bestLen >= 0
}

// randomName draws labels from a tiny alphabet so that keys and names
// collide often.
func randomName(r *rand.Rand) string {
	labels := []string{"a", "b", "ab", "x", "com", ""}
	n := 1 + r.IntN(4)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = labels[r.IntN(len(labels))]
	}
	return strings.Join(parts, ".")
}

func randomKey(r *rand.Rand) string {
	base := randomName(r)
	switch r.IntN(4) {
	case 0:
		return "*." + base
	case 1:
		return "." + base
	case 2:
		return base + ".*"
	}
	return base
}

// TestHostTableMatchesNaive compares the label trie with the reference
// matcher on random key sets and names.
func TestHostTableMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 3000; round++ {
		tab := NewHostTable[string]()
		var keys []string
		for range 1 + r.IntN(8) {
			k := randomKey(r)
			if tab.AddKey(k, k) == nil {
				keys = append(keys, k)
			}
		}
		for range 20 {
			name := randomName(r)
			got, gok := tab.Find([]byte(name))
			want, wok := naiveFind(keys, name)
			if got != want || gok != wok {
				t.Fatalf("keys %q name %q: trie %q/%v, reference %q/%v", keys, name, got, gok, want, wok)
			}
		}
	}
}

func FuzzHostTable(f *testing.F) {
	f.Add("*.a.com\x00.b.com\x00www.*", "x.a.com")
	f.Add("a.com\x00*.com", "a.com")
	f.Fuzz(func(t *testing.T, keyList, name string) {
		if len(keyList) > 4096 || len(name) > 1024 {
			return
		}
		tab := NewHostTable[string]()
		var keys []string
		for _, k := range strings.Split(keyList, "\x00") {
			k = strings.ToLower(k)
			if tab.AddKey(k, k) == nil {
				keys = append(keys, k)
			}
		}
		name = strings.ToLower(name)
		got, gok := tab.Find([]byte(name))
		want, wok := naiveFind(keys, name)
		if got != want || gok != wok {
			t.Fatalf("keys %q name %q: trie %q/%v, reference %q/%v", keys, name, got, gok, want, wok)
		}
	})
}
