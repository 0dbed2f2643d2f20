package nginxconf

import "bytes"

// scanLuaBody reads the body of a *_by_lua_block directive, starting right
// after its "{", and returns the text up to (not including) the matching
// "}". It follows lua-nginx-module's ngx_http_lua_conf_lua_block_parse: braces
// are counted, except inside Lua strings ('...', "...", with backslash
// escapes, which may span lines as in OpenResty's lexer), long strings
// ([[...]], [==[...]==]) and comments (-- to end of line, --[[...]]).
func (s *scanner) scanLuaBody() (string, bool) {
	begin := s.pos
	level := 1
	lastCurly := begin - 1 // OpenResty reports a missing end at the last "{"
	for s.pos < len(s.src) {
		switch ch := s.src[s.pos]; ch {
		case '{':
			level++
			lastCurly = s.pos
			s.pos++
		case '}':
			level--
			if level == 0 {
				body := s.text[begin:s.pos]
				s.pos++
				return body, true
			}
			s.pos++
		case '"', '\'':
			end := luaStringEnd(s.src, s.pos)
			if end < 0 {
				s.pos = len(s.src)
				continue
			}
			s.advanceTo(end)
		case '-':
			if s.pos+1 < len(s.src) && s.src[s.pos+1] == '-' {
				if n := longBracketLevel(s.src, s.pos+2); n >= 0 {
					if !s.skipLongBracket(s.pos+2, n) {
						return "", false
					}
					continue
				}
				end := bytes.IndexByte(s.src[s.pos:], '\n')
				if end < 0 {
					s.pos = len(s.src)
				} else {
					s.pos += end // the newline itself is counted below
				}
				continue
			}
			s.pos++
		case '[':
			if n := longBracketLevel(s.src, s.pos); n >= 0 {
				if !s.skipLongBracket(s.pos, n) {
					return "", false
				}
				continue
			}
			s.pos++
		case '\n':
			s.pos++
			s.line++
			s.lineStart = s.pos
		default:
			s.pos++
		}
	}
	s.failAt(s.position(lastCurly), "unexpected end of file, expecting terminating characters for lua code block")
	return "", false
}

// luaStringEnd returns the offset just past the quoted Lua string starting at
// src[at], or -1 when it is not closed. A string that is never closed makes
// the whole block unterminated, as in OpenResty.
func luaStringEnd(src []byte, at int) int {
	q := src[at]
	for i := at + 1; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++
		case q:
			return i + 1
		}
	}
	return -1
}

// longBracketLevel returns n when src[at:] starts with "[" "="*n "[", else -1.
func longBracketLevel(src []byte, at int) int {
	if at >= len(src) || src[at] != '[' {
		return -1
	}
	n := 0
	for i := at + 1; i < len(src); i++ {
		switch src[i] {
		case '=':
			n++
		case '[':
			return n
		default:
			return -1
		}
	}
	return -1
}

// skipLongBracket moves past the long string or comment whose opening
// bracket of level n starts at at.
func (s *scanner) skipLongBracket(at, n int) bool {
	open := at + n + 2
	closer := make([]byte, 0, n+2)
	closer = append(closer, ']')
	closer = append(closer, bytes.Repeat([]byte{'='}, n)...)
	closer = append(closer, ']')
	s.advanceTo(at)
	i := bytes.Index(s.src[open:], closer)
	if i < 0 {
		s.failAt(s.position(at), `Lua code block missing the closing long bracket "`+string(closer)+`", the inlined Lua code may be too long`)
		return false
	}
	s.advanceTo(open + i + len(closer))
	return true
}

// advanceTo moves the read position forward to end, counting lines.
func (s *scanner) advanceTo(end int) {
	for s.pos < end {
		if s.src[s.pos] == '\n' {
			s.line++
			s.lineStart = s.pos + 1
		}
		s.pos++
	}
}
