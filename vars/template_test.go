package vars

import (
	"errors"
	"slices"
	"testing"

	"sliceproxy/nginxconf"
)

func TestCompileErrors(t *testing.T) {
	reg := testRegistry(t)
	pos := nginxconf.Pos{File: "t.conf", Line: 7, Col: 3}
	for _, tc := range []struct{ src, msg string }{
		{"$", "invalid variable name"},
		{"abc$", "invalid variable name"},
		{"${", "invalid variable name"},
		{"${}", "invalid variable name"},
		{"$-x", "invalid variable name"},
		{"a $ b", "invalid variable name"},
		{"${host", `the closing bracket in "host" variable is missing`},
		{"${ho-st}", `the closing bracket in "ho" variable is missing`},
		{"$nosuchvar", `unknown "nosuchvar" variable`},
		{"${NoSuch}x", `unknown "nosuch" variable`},
		{"$0", `unknown "0" variable`},
	} {
		_, err := reg.Compile(tc.src, pos)
		var d nginxconf.Diagnostic
		if !errors.As(err, &d) {
			t.Errorf("Compile(%q) = %v, want a Diagnostic", tc.src, err)
			continue
		}
		if d.Message != tc.msg || d.Pos != pos || d.Severity != nginxconf.SevError {
			t.Errorf("Compile(%q): got %q at %v, want %q at %v", tc.src, d.Message, d.Pos, tc.msg, pos)
		}
	}
}

func TestCompileEval(t *testing.T) {
	reg := testRegistry(t)
	q := newTestRequest(t, reg, clientRequest("GET", "/p?a=1", "Host: h.test", "X-Long-Name: v"))
	q.SetCaptures([]byte("abcdef"), []int{0, 6, 1, 3, -1, -1, 4, 5})
	for _, tc := range []struct{ src, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{"$host", "h.test"},
		{"${host}name", "h.testname"},
		{"$HOST", "h.test"},
		{"$Http_X_Long_Name", "v"},
		{"$host$host", "h.testh.test"},
		{"[$1][$2][$3][$4][$9]", "[bc][][e][][]"},
		{"$10", "bc0"},
		{"$1$host", "bch.test"},
		{"a$arg_a.b", "a1.b"},
		{"100%", "100%"},
		{"{$host}", "{h.test}"},
		{"$http_missing|", "|"},
	} {
		if got := eval(t, reg, q, tc.src); got != tc.want {
			t.Errorf("%q: got %q want %q", tc.src, got, tc.want)
		}
	}
}

func TestTemplateMeta(t *testing.T) {
	reg := testRegistry(t)
	for _, tc := range []struct {
		src        string
		isConst    bool
		vars       []string
		maxCapture int
	}{
		{"abc", true, nil, 0},
		{"", true, nil, 0},
		{"$host-$Remote_Addr", false, []string{"host", "Remote_Addr"}, 0},
		{"/x/$2/$1", false, nil, 2},
	} {
		tpl, err := reg.Compile(tc.src, nginxconf.Pos{})
		if err != nil {
			t.Fatal(err)
		}
		if tpl.IsConst() != tc.isConst || !slices.Equal(tpl.Vars(), tc.vars) || tpl.MaxCapture() != tc.maxCapture || tpl.Source() != tc.src {
			t.Errorf("%q: const=%v vars=%v max=%d", tc.src, tpl.IsConst(), tpl.Vars(), tpl.MaxCapture())
		}
	}
	if got := Const("$not a var").String(nil); got != "$not a var" {
		t.Errorf("Const: %q", got)
	}
}

func TestDeferUnknown(t *testing.T) {
	reg := NewRegistry(RegistryOptions{DeferUnknown: true})
	early, err := reg.Compile("[$later][$never]", nginxconf.Pos{File: "a.conf", Line: 3})
	if err != nil {
		t.Fatal(err)
	}
	idx, err := reg.DeclareSet("later")
	if err != nil {
		t.Fatal(err)
	}
	un := reg.Unresolved()
	if len(un) != 1 || un[0].Message != `unknown "never" variable` || un[0].Pos.Line != 3 {
		t.Fatalf("Unresolved = %v", un)
	}
	q := reg.NewRequest()
	q.SetVar(idx, []byte("set"))
	if got := early.String(q); got != "[set][]" {
		t.Errorf("got %q", got)
	}
}

// TestEvalScratch: EvalScratch gives what Eval gives, allocates nothing once
// its buffer has grown, and the buffer is reused by the next evaluation.
func TestEvalScratch(t *testing.T) {
	reg := testRegistry(t)
	q := newTestRequest(t, reg, clientRequest("GET", "/p?a=1", "Host: h.test", "X-Long-Name: v"))
	for _, src := range []string{"", "plain", "$host", "$host:$arg_a", "${host}-$http_x_long_name-$host"} {
		tpl, err := reg.Compile(src, nginxconf.Pos{File: "t.conf", Line: 1})
		if err != nil {
			t.Fatal(err)
		}
		want := string(tpl.Eval(q, nil))
		if got := string(tpl.EvalScratch(q)); got != want {
			t.Errorf("%q: EvalScratch %q, Eval %q", src, got, want)
		}
		if n := testing.AllocsPerRun(100, func() { tpl.EvalScratch(q) }); n != 0 {
			t.Errorf("%q: %v allocations per EvalScratch", src, n)
		}
	}
}
