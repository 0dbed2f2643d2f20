package rewrite

import "testing"

func TestUnescapeRedirect(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/plain", "/plain"},
		{"/%41%42", "/AB"},
		{"/a%20b", "/a%20b"},     // space stays encoded
		{"/a%25b", "/a%25b"},     // '%' itself stays encoded
		{"/a%26b", "/a&b"},       // above '%': decoded
		{"/a%7Fb", "/a%7Fb"},     // DEL stays encoded
		{"/a%C3%A9", "/a%C3%A9"}, // non-ASCII stays encoded
		{"/a?%41", "/a?%41"},     // nothing after '?' is decoded
		{"/a%3Fb%41", "/a?b%41"}, // an encoded '?' ends decoding too
		{"/a%zzb", "/azzb"},      // '%' before a non-hex byte is dropped
		{"/a%4zb", "/ab"},        // so is "%4" before one, with that byte
		{"/a%", "/a"},
	}
	for _, tt := range tests {
		if got := string(unescapeRedirect([]byte(tt.in))); got != tt.want {
			t.Errorf("unescapeRedirect(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEscapeArgs(t *testing.T) {
	in := "a b#c%d&e+f;g?h=i/j~k\x01\x7f\xff"
	want := "a%20b%23c%25d%26e%2Bf%3Bg%3Fh=i/j~k%01%7F%FF"
	if got := string(appendEscapedArgs(nil, []byte(in))); got != want {
		t.Errorf("appendEscapedArgs(%q) = %q, want %q", in, got, want)
	}
}
