package proxy

import (
	"strings"

	"sliceproxy/nginxconf"
)

// The content type of "return CODE TEXT" is nginx's ngx_http_set_content_type:
// the types entry of the current URI's extension, else default_type. The
// static package keeps its own types table for files and does not export a
// lookup by URI, so the loader keeps this small copy per level (the same
// inheritance: a level with any "types" block replaces the inherited table).

// builtinTypes is nginx's table when no level has a "types" block
// (ngx_http_core_default_types).
var builtinTypes = map[string]string{"html": "text/html", "gif": "image/gif", "jpg": "image/jpeg"}

// mimeTypes applies the level's types blocks to conf. The static package
// reports their problems (duplicate extensions); this copy only reads them.
func (l *loader) mimeTypes(conf *locConf, body []*nginxconf.Directive) {
	var table map[string]string
	for _, d := range body {
		if d.Name != "types" || !d.IsBlock {
			continue
		}
		if table == nil {
			table = map[string]string{}
		}
		for _, t := range d.Body() {
			for _, ext := range t.Args {
				table[strings.ToLower(ext.Value)] = t.Name
			}
		}
	}
	if table != nil {
		conf.types = table
	}
}

// contentType is the type of a response made here for the current URI.
func (st *reqState) contentType() string {
	if ext := uriExtension(st.vr.URI); len(ext) > 0 {
		var buf [32]byte
		low := appendLowerASCII(buf[:0], ext)
		// The conversion in the index expression does not allocate.
		if ct, ok := st.conf.types[string(low)]; ok {
			return ct
		}
	}
	return st.conf.defaultType
}

func appendLowerASCII(dst, b []byte) []byte {
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// uriExtension is nginx's r->exten (ngx_http_set_exten): what follows the
// last "." of the last path segment, unless that dot starts the segment.
func uriExtension(uri []byte) []byte {
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
