package static

import (
	_ "embed"
	"strings"
	"unicode"
)

// defaultMimeTypes is nginx 1.22's conf/mime.types (as Debian ships it in
// /etc/nginx/mime.types), for configurations and tests that do not include
// one of their own.
//
//go:embed mime.types
var defaultMimeTypes string

// Types maps lower-case file extensions to content types, like a "types"
// block. It is immutable once built.
type Types struct {
	byExt map[string][]byte
}

// builtinTypes is what nginx uses when no level configures "types" at all
// (ngx_http_core_default_types): html, gif and jpg only.
func builtinTypes() *Types {
	return &Types{byExt: map[string][]byte{"html": []byte("text/html"), "gif": []byte("image/gif"), "jpg": []byte("image/jpeg")}}
}

// DefaultMimeTypes returns the table of nginx's bundled mime.types, the
// equivalent of "include mime.types;".
func DefaultMimeTypes() *Types {
	t := &Types{byExt: make(map[string][]byte, 128)}
	for _, stmt := range splitMimeStatements(defaultMimeTypes) {
		ct := []byte(stmt[0])
		for _, ext := range stmt[1:] {
			t.byExt[strings.ToLower(ext)] = ct
		}
	}
	return t
}

// splitMimeStatements reads the simple "types { TYPE EXT...; }" syntax of a
// mime.types file without the config parser: words separated by blanks,
// statements ended by ";", "#" comments, braces and the "types" word skipped.
func splitMimeStatements(src string) [][]string {
	var out [][]string
	var cur []string
	for _, line := range strings.Split(src, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		for _, word := range strings.FieldsFunc(line, unicode.IsSpace) {
			for word != "" {
				i := strings.IndexByte(word, ';')
				part := word
				if i >= 0 {
					part = word[:i]
				}
				if part != "" && part != "{" && part != "}" && !(len(cur) == 0 && part == "types") {
					cur = append(cur, part)
				}
				if i < 0 {
					break
				}
				if len(cur) >= 2 {
					out = append(out, cur)
				}
				cur = nil
				word = word[i+1:]
			}
		}
	}
	return out
}

// Lookup returns the content type for an extension (case-insensitive, as
// nginx lower-cases r->exten before the hash lookup).
func (t *Types) Lookup(ext string) (string, bool) {
	ct, ok := t.lookupBytes([]byte(ext))
	return string(ct), ok
}

// lookupBytes is Lookup without allocating for extensions up to 32 bytes.
func (t *Types) lookupBytes(ext []byte) ([]byte, bool) {
	if t == nil || len(ext) == 0 {
		return nil, false
	}
	if ct, ok := t.byExt[string(ext)]; ok {
		return ct, true
	}
	var buf [32]byte
	low := buf[:0]
	if len(ext) > len(buf) {
		low = make([]byte, 0, len(ext))
	}
	for _, c := range ext {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low = append(low, c)
	}
	ct, ok := t.byExt[string(low)]
	return ct, ok
}

// Len is the number of extensions known.
func (t *Types) Len() int { return len(t.byExt) }

// extension returns nginx's r->exten for a URI: what follows the last "."
// of the last path segment, empty when there is none (ngx_http_set_exten).
func extension(uri []byte) []byte {
	for i := len(uri) - 1; i > 1; i-- {
		switch {
		case uri[i] == '.' && uri[i-1] != '/':
			return uri[i+1:]
		case uri[i] == '/':
			return nil
		}
	}
	return nil
}
