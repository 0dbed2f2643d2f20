package vars

import "testing"

func TestPossessiveToAtomic(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`a++`, `(?>a+)`},
		{`ab*+c`, `a(?>b*)c`},
		{`(ab)?+`, `(?>(ab)?)`},
		{`[+a]{2,3}+x`, `(?>[+a]{2,3})x`},
		{`\d++`, `(?>\d+)`},
		{`\x{41}*+`, `(?>\x{41}*)`},
		{`é++`, `(?>é+)`},
		{`a+?b`, `a+?b`},
		{`a+b`, `a+b`},
		{`x{,2}+`, `x{,2}+`},
		{`[]+]++`, `(?>[]+]+)`},
		{`(?:a|b)++`, `(?>(?:a|b)+)`},
	} {
		if got, _ := possessiveToAtomic(tc.in); got != tc.want {
			t.Errorf("%q: got %q want %q", tc.in, got, tc.want)
		}
	}
}
