package nginxconf

import (
	"fmt"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
)

// tokenString renders tokens compactly: type letter, value, line:col.
func tokenString(toks []lexer.Token) string {
	letters := map[lexer.TokenType]string{
		tokWord: "W", tokDQuoted: "D", tokSQuoted: "S", tokSemicolon: ";",
		tokLBrace: "{", tokRBrace: "}", tokLuaBody: "L", tokComment: "#",
	}
	parts := make([]string, 0, len(toks))
	for _, t := range toks {
		switch t.Type {
		case tokSemicolon, tokLBrace, tokRBrace:
			parts = append(parts, fmt.Sprintf("%s@%d:%d", letters[t.Type], t.Pos.Line, t.Pos.Column))
		default:
			parts = append(parts, fmt.Sprintf("%s%q@%d:%d", letters[t.Type], t.Value, t.Pos.Line, t.Pos.Column))
		}
	}
	return strings.Join(parts, " ")
}

func lexAll(src string, opt scanOptions) ([]lexer.Token, *Diagnostic) {
	sc := newScanner("t.conf", []byte(src), opt)
	var out []lexer.Token
	for {
		t, err := sc.Next()
		if err != nil || t.Type == lexer.EOF {
			return out, sc.Err()
		}
		out = append(out, t)
	}
}

func TestLexer(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"simple", "a b;", `W"a"@1:1 W"b"@1:3 ;@1:4`},
		{"block", "a {\n  b;\n}", `W"a"@1:1 {@1:3 W"b"@2:3 ;@2:4 }@3:1`},
		{"double quoted escapes", `a "x\"y\\z\tq\n\$";`, `W"a"@1:1 D"x\"y\\z\tq\n\\$"@1:3 ;@1:19`},
		{"single quoted escapes", `a 'it\'s "x"';`, `W"a"@1:1 S"it's \"x\""@1:3 ;@1:14`},
		{"other backslash stays", `a \d\.x;`, `W"a"@1:1 W"\\d\\.x"@1:3 ;@1:8`},
		{"escaped space and semicolon stay escaped", `a b\ c\;d;`, `W"a"@1:1 W"b\\ c\\;d"@1:3 ;@1:10`},
		{"quote inside bare word is kept", `a b"c"d;`, `W"a"@1:1 W"b\"c\"d"@1:3 ;@1:8`},
		{"hash inside word", `a b#c;`, `W"a"@1:1 W"b#c"@1:3 ;@1:6`},
		{"comment between args", "a # c ;\n b;", `W"a"@1:1 W"b"@2:2 ;@2:3`},
		{"trailing comment", "a; # note\nb;", `W"a"@1:1 ;@1:2 #"note"@1:4 W"b"@2:1 ;@2:2`},
		{"comment on own line is dropped", "a;\n# own\nb;", `W"a"@1:1 ;@1:2 W"b"@3:1 ;@3:2`},
		{"comment after brace", "a { # open\n}", `W"a"@1:1 {@1:3 #"open"@1:5 }@2:1`},
		{"braced variable", `a ${b}c$d;`, `W"a"@1:1 W"${b}c$d"@1:3 ;@1:10`},
		{"bare brace ends word", "a b{}", `W"a"@1:1 W"b"@1:3 {@1:4 }@1:5`},
		{"close brace inside word", "a b};", `W"a"@1:1 W"b}"@1:3 ;@1:5`},
		{"paren after quote", `if ($a = "b") {}`, `W"if"@1:1 W"($a"@1:4 W"="@1:8 D"b"@1:10 W")"@1:13 {@1:15 }@1:16`},
		{"crlf", "a b;\r\nc;\r\n", `W"a"@1:1 W"b"@1:3 ;@1:4 W"c"@2:1 ;@2:2`},
		{"non-utf8 kept", "a \xff\xfe;", "W\"a\"@1:1 W\"\\xff\\xfe\"@1:3 ;@1:5"},
		{"utf8 column is bytes", "a 'é' b;", `W"a"@1:1 S"é"@1:3 W"b"@1:8 ;@1:9`},
		{"quoted name", `"a b" c;`, `D"a b"@1:1 W"c"@1:7 ;@1:8`},
		{"empty quoted", `a "" '';`, `W"a"@1:1 D""@1:3 S""@1:6 ;@1:8`},
		{"multiline quoted", "a \"x\ny\" b;", `W"a"@1:1 D"x\ny"@1:3 W"b"@2:4 ;@2:5`},
		{"lua block", "content_by_lua_block { a = {1} }", `W"content_by_lua_block"@1:1 L" a = {1} "@1:22`},
		{"lua block with args", "set_by_lua_block $x { return 1 }", `W"set_by_lua_block"@1:1 W"$x"@1:18 L" return 1 "@1:21`},
		{"quoted lua block name", `"rewrite_by_lua_block" { x() }`, `D"rewrite_by_lua_block"@1:1 L" x() "@1:24`},
		{"lua name as argument", "server_name content_by_lua_block;", `W"server_name"@1:1 W"content_by_lua_block"@1:13 ;@1:33`},
		{"lua strings", `x_by_lua_block { a = "}" .. '}' .. "\"}" }`, `W"x_by_lua_block"@1:1 L" a = \"}\" .. '}' .. \"\\\"}\" "@1:16`},
		{"lua long strings", "x_by_lua_block { a = [[}]] .. [==[ ]] } ]==] }", `W"x_by_lua_block"@1:1 L" a = [[}]] .. [==[ ]] } ]==] "@1:16`},
		{"lua comments", "x_by_lua_block { -- }\n --[[ } ]] --[=[\n}]=] }", `W"x_by_lua_block"@1:1 L" -- }\n --[[ } ]] --[=[\n}]=] "@1:16`},
		{"lua then more", "x_by_lua_block {\n}\nb;", `W"x_by_lua_block"@1:1 L"\n"@1:16 W"b"@3:1 ;@3:2`},
		{"lua index bracket is not long string", "x_by_lua_block { t[1] = 2 }", `W"x_by_lua_block"@1:1 L" t[1] = 2 "@1:16`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			toks, diag := lexAll(tc.src, scanOptions{})
			if diag != nil {
				t.Fatalf("unexpected error: %v", diag)
			}
			if got := tokenString(toks); got != tc.want {
				t.Errorf("tokens:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestLexerErrors(t *testing.T) {
	tests := []struct {
		name, src string
		opt       scanOptions
		want      string // "line:col: message"
		tokens    string // tokens still delivered (complete statements, closing braces)
	}{
		{name: "unexpected close", src: "a;\n}", want: `2:1: unexpected "}"`, tokens: `W"a"@1:1 ;@1:2`},
		{name: "close after words", src: "a {\nb }", want: `2:3: unexpected "}"`, tokens: `W"a"@1:1 {@1:3 }@2:4`},
		{name: "eof in statement", src: "a {\nb", want: `2:2: unexpected end of file, expecting ";" or "}"`, tokens: `W"a"@1:1 {@1:3 }@2:2`},
		{name: "eof in block", src: "a {\nb;\n", want: `3:1: unexpected end of file, expecting "}"`, tokens: `W"a"@1:1 {@1:3 W"b"@2:1 ;@2:2 }@3:1`},
		{name: "semicolon first", src: "a;\n ;", want: `2:2: unexpected ";"`, tokens: `W"a"@1:1 ;@1:2`},
		{name: "brace first", src: "{", want: `1:1: unexpected "{"`},
		{name: "char after quote", src: `a "b"c;`, want: `1:6: unexpected "c"`},
		{name: "go template", src: "a;\n{{- /* x */ -}}", want: `2:1: unexpected template token "{{" (this looks like a template, not an nginx config)`, tokens: `W"a"@1:1 ;@1:2`},
		{name: "liquid template", src: "server_name {% x %};", want: `1:13: unexpected template token "{%" (this looks like a template, not an nginx config)`},
		{name: "block in map", src: "map $a $b {\n x { }\n}", want: `2:4: unexpected "{"`, tokens: `W"map"@1:1 W"$a"@1:5 W"$b"@1:8 {@1:11 }@2:5`},
		{name: "block in included map body", src: "x {}", opt: scanOptions{inHandler: true}, want: `1:3: unexpected "{"`},
		{name: "depth limit", src: "a { b { c { } } }", opt: scanOptions{maxDepth: 2}, want: `1:11: blocks and includes nested too deep (limit 2)`, tokens: `W"a"@1:1 {@1:3 W"b"@1:5 {@1:7 }@1:12 }@1:12`},
		{name: "token limit", src: "abcdefghijklmnop;", opt: scanOptions{maxTokenLen: 8}, want: `1:1: too long parameter "abcdefghij..." started`},
		{name: "quoted token limit", src: `a "abcdefghijklmnop";`, opt: scanOptions{maxTokenLen: 8}, want: `1:3: too long parameter, probably missing terminating """ character`},
		{name: "comment limit", src: "# abcdefghijklmnop\na;", opt: scanOptions{maxTokenLen: 8}, want: `1:1: too long parameter "# abcdefgh..." started`},
		{name: "block in -g", src: "events {}", opt: scanOptions{param: true}, want: `1:8: block directives are not supported in -g option`},
		{name: "eof in -g", src: "daemon off", opt: scanOptions{param: true}, want: `1:11: unexpected end of parameter, expecting ";"`},
		{name: "lua eof", src: "x_by_lua_block {\n a = { 1 ", want: `2:6: unexpected end of file, expecting terminating characters for lua code block`},
		{name: "lua unterminated string", src: "x_by_lua_block { a = \"} }", want: `1:16: unexpected end of file, expecting terminating characters for lua code block`},
		{name: "lua long bracket", src: "x_by_lua_block {\n a = [==[ } ]] }", want: `2:6: Lua code block missing the closing long bracket "]==]", the inlined Lua code may be too long`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			toks, diag := lexAll(tc.src, tc.opt)
			if diag == nil {
				t.Fatalf("no error; tokens %s", tokenString(toks))
			}
			if got := fmt.Sprintf("%d:%d: %s", diag.Pos.Line, diag.Pos.Col, diag.Message); got != tc.want {
				t.Errorf("error:\n got %s\nwant %s", got, tc.want)
			}
			if diag.Code != CodeSyntax || diag.Severity != SevError {
				t.Errorf("code %q severity %v, want %q error", diag.Code, diag.Severity, CodeSyntax)
			}
			if got := tokenString(toks); got != tc.tokens {
				t.Errorf("tokens:\n got %s\nwant %s", got, tc.tokens)
			}
		})
	}
}
