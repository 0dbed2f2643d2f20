package vars

import (
	"slices"
	"strings"
	"testing"
	"time"

	"sliceproxy/nginxconf"
)

func TestCompileRegexEngines(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		bt      bool // needs the backtracking engine
		fails   bool
	}{
		{`^/a(\d+)$`, false, false},
		{`\.(php|phtml)$`, false, false},
		{`(?<name>\w+)`, false, false},
		{`(?P<name>\w+)`, false, false},
		{`(?i)^/CaSe`, false, false},
		{`(?<=a)b`, true, false},
		{`(?<!a)b`, true, false},
		{`a(?=b)`, true, false},
		{`a(?!b)`, true, false},
		{`(a)\1`, true, false},
		{`(?>a+)b`, true, false},
		{`foo\Z`, true, false},
		{`(`, false, true},
		{`a++b`, true, false},
		{`[a-z]*+\d`, true, false},
		{`\y`, false, true},
		{`[z-a]`, false, true},
	} {
		re, warning, err := CompileRegex(tc.pattern, false)
		if tc.fails {
			if err == nil {
				t.Errorf("%q: compiled, want an error", tc.pattern)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.pattern, err)
			continue
		}
		if re.Backtracking() != tc.bt || (warning != "") != tc.bt {
			t.Errorf("%q: backtracking=%v warning=%q, want backtracking=%v", tc.pattern, re.Backtracking(), warning, tc.bt)
		}
	}
}

// TestRegexPCRESemantics checks the PCRE behaviours users rely on, on both
// engines.
func TestRegexPCRESemantics(t *testing.T) {
	for _, tc := range []struct {
		pattern  string
		caseless bool
		subject  string
		match    bool
	}{
		{`\.php$`, false, "/x.php", true},
		{`\.php$`, false, "/x.php\n", true}, // PCRE: $ also before a final newline
		{`\.php$`, false, "/x.php\nx", false},
		{`\.php$(?!x)`, false, "/x.php\n", true}, // same on the backtracking engine
		{`^b`, false, "a\nb", false},
		{`(?m)^b`, false, "a\nb", true},
		{`^/abc`, true, "/ABC", true},
		{`^/abc(?=d)`, true, "/ABCD", true},
		{`^/abc`, false, "/ABC", false},
		{`^ÄB$`, true, "äb", false}, // PCRE without UTF folds ASCII only
		{`^ÄB$`, true, "Äb", true},
		{`^[a-c]x$`, true, "BX", true},
		{`^[^a-c]$`, true, "B", false},
		{`(?i)^k$`, false, "\u212a", false}, // no Kelvin sign
		{`(?i)^k$`, false, "K", true},
		{`\d+`, false, "x42", true},
		{`^a++a`, false, "aaa", false}, // possessive: no giving back
		{`^a+a`, false, "aaa", true},
		{`^(ab)*+c$`, false, "ababc", true},
		{`^\d{2,}+1`, false, "1231", false},
		{`^x?+x`, false, "x", false},
		{`^[a-c]++d`, false, "abcd", true},
	} {
		re, _, err := CompileRegex(tc.pattern, tc.caseless)
		if err != nil {
			t.Fatalf("%q: %v", tc.pattern, err)
		}
		if got := re.Match([]byte(tc.subject)); got != tc.match {
			t.Errorf("%q ~ %q: %v, want %v", tc.pattern, tc.subject, got, tc.match)
		}
	}
}

func TestRegexCaptureNumbering(t *testing.T) {
	for _, tc := range []struct {
		pattern, subject string
		names            []string
		idx              []int
	}{
		{`(?<n>a)(b)c`, "abc", []string{"", "n", ""}, []int{0, 3, 0, 1, 1, 2}},
		// regexp2 numbers named groups after unnamed ones; PCRE does not.
		{`(?<n>a)(b)(?=c)`, "abc", []string{"", "n", ""}, []int{0, 2, 0, 1, 1, 2}},
		{`(?P<n>é)(x)?(?=y)`, "éy", []string{"", "n", ""}, []int{0, 2, 0, 2, -1, -1}},
		{`[(](a)(?=\))`, "(a)", []string{"", ""}, []int{0, 2, 1, 2}},
		{`(?:a)(b)`, "ab", []string{"", ""}, []int{0, 2, 1, 2}},
	} {
		re, _, err := CompileRegex(tc.pattern, false)
		if err != nil {
			t.Fatal(err)
		}
		idx, ok := re.FindIndex([]byte(tc.subject), nil)
		if !ok || !slices.Equal(idx, tc.idx) || !slices.Equal(re.Names(), tc.names) {
			t.Errorf("%q on %q: idx %v names %q, want %v %q", tc.pattern, tc.subject, idx, re.Names(), tc.idx, tc.names)
		}
	}
}

func TestMatchRegexSetsCaptures(t *testing.T) {
	reg := testRegistry(t)
	re, diags := reg.CompileRegex(`^/(?<section>\w+)/(\d+)`, false, nginxconf.Pos{})
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	tpl := reg.MustCompile("$1|$2|$section|$3")
	q := reg.NewRequest()
	subject := []byte("/news/42/x")
	if !q.MatchRegex(re, subject) {
		t.Fatal("no match")
	}
	subject[1] = 'X' // captures must not alias the subject
	if got := tpl.String(q); got != "news|42|news|" {
		t.Errorf("got %q", got)
	}
	if q.MatchRegex(re, []byte("nomatch")) {
		t.Fatal("unexpected match")
	}
	if got := tpl.String(q); got != "news|42|news|" {
		t.Errorf("a failed match must keep the captures: %q", got)
	}
	// A match of a regex without groups leaves only $0: $1.. are empty,
	// as with nginx ("if ($uri ~ ^/(\w+)/) {}" then "location ~ \.x$"
	// renders "[$1]" as "[]").
	plain, _, _ := CompileRegex(`\.x$`, false)
	if !q.MatchRegex(plain, []byte("/a.x")) {
		t.Fatal("no match")
	}
	if got := tpl.String(q); got != "||news|" || q.NumCaptures() != 1 {
		t.Errorf("after a match without groups: %q, %d captures", got, q.NumCaptures())
	}
	q.ClearCaptures()
	if got := tpl.String(q); got != "||news|" {
		t.Errorf("after ClearCaptures: %q", got)
	}
}

// TestRegexBoundedTime: a pathological pattern on the backtracking engine
// stops at its timeout, and RE2 handles a 64 KB subject linearly.
func TestRegexBoundedTime(t *testing.T) {
	big := strings.Repeat("a", 64<<10) + "!"
	re, _, err := CompileRegexTimeout(`^(?=a)(a|aa)+$`, false, 20*time.Millisecond)
	if err != nil || !re.Backtracking() {
		t.Fatalf("want a backtracking regex: %v", err)
	}
	if re.Match([]byte(strings.Repeat("a", 40) + "!")) {
		t.Error("must not match")
	}
	re2, _, err := CompileRegex(`^(a+)+$`, false)
	if err != nil || re2.Backtracking() {
		t.Fatalf("want RE2: %v", err)
	}
	if re2.Match([]byte(big)) {
		t.Error("must not match")
	}
}
