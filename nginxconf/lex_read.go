package nginxconf

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// readStatement is ngx_conf_read_token: it reads words until ";", "{" or "}"
// (or the end of input), appending them to the queue. The flags and their
// order follow nginx's function exactly, including its quirks:
//   - a backslash makes the next byte part of the word, whatever it is;
//   - "#" starts a comment only where a word could start;
//   - a closing quote must be followed by space, ";", "{" or ")";
//   - "${" does not end a word, a bare "{" does; "}" inside a word is kept;
//   - "start" (the beginning of the current token, or of the current run of
//     comment) is tracked like nginx's, because nginx fails with "too long
//     parameter" when one token fills its 4096-byte buffer.
func (s *scanner) readStatement() status {
	var (
		found, needSpace, sharpComment, variable bool
		quoted, sQuoted, dQuoted                 bool
		lastSpace                                = true
		start                                    = s.pos
		startPos                                 lexer.Position // of the current word
		startQuoted                              bool           // the word began with a quote
		nwords                                   int
	)
	s.stmtStart = len(s.queue)
	for {
		if s.pos >= len(s.src) {
			if nwords > 0 || !lastSpace {
				if s.opt.param {
					s.failAt(s.position(s.pos), `unexpected end of parameter, expecting ";"`)
				} else {
					s.failAt(s.position(s.pos), `unexpected end of file, expecting ";" or "}"`)
				}
				return stError
			}
			return stFileDone
		}
		if s.pos-start >= s.opt.maxTokenLen {
			s.tooLong(start, startQuoted, sQuoted, dQuoted)
			return stError
		}

		// Fast paths over runs of bytes the state machine below would only
		// step over: the rest of a comment, and ordinary bytes of a word.
		// They stop where nginx's buffer would be full, so the check above
		// still fires at the same byte.
		if sharpComment && s.src[s.pos] != '\n' {
			end := len(s.src)
			if nl := bytes.IndexByte(s.src[s.pos:], '\n'); nl >= 0 {
				end = s.pos + nl
			}
			s.pos = min(end, start+s.opt.maxTokenLen)
			continue
		}
		if lastSpace && !needSpace && !quoted && !sharpComment {
			// Whitespace between words: nginx moves "start" to every
			// blank, so only the last one matters.
			j := s.pos
			for j < len(s.src) && isSpace(s.src[j]) {
				if s.src[j] == '\n' {
					s.line++
					s.lineStart = j + 1
				}
				j++
			}
			if j > s.pos {
				start = j - 1
				s.pos = j
				continue
			}
		}
		if !lastSpace && !needSpace && !quoted {
			plain := &plainBare
			if dQuoted {
				plain = &plainDQuoted
			} else if sQuoted {
				plain = &plainSQuoted
			}
			limit := min(len(s.src), start+s.opt.maxTokenLen)
			j := s.pos
			for j < limit && plain[s.src[j]] {
				j++
			}
			if j > s.pos {
				s.pos = j
				variable = false
				continue
			}
		}

		ch := s.src[s.pos]
		s.pos++

		if ch == '\n' {
			s.line++
			s.lineStart = s.pos
			sharpComment = false
		}
		if sharpComment {
			continue
		}
		if quoted {
			quoted = false
			continue
		}

		if needSpace {
			if isSpace(ch) {
				lastSpace = true
				needSpace = false
				continue
			}
			switch ch {
			case ';':
				return stOK
			case '{':
				return s.braceAfterWords()
			case ')':
				lastSpace = true
				needSpace = false
			default:
				s.failAt(s.position(s.pos-1), unexpected(ch))
				return stError
			}
		}

		if lastSpace {
			start = s.pos - 1
			if isSpace(ch) {
				continue
			}
			startPos = s.position(start)
			startQuoted = ch == '"' || ch == '\''

			switch ch {
			case ';', '{':
				if nwords == 0 {
					if ch == '{' && s.templateAt(s.pos-1) {
						return stError
					}
					s.failAt(startPos, unexpected(ch))
					return stError
				}
				if ch == '{' {
					return s.braceAfterWords()
				}
				return stOK
			case '}':
				if nwords != 0 {
					s.failAt(startPos, `unexpected "}"`)
					return stError
				}
				return stBlockDone
			case '#':
				sharpComment = true
				if nwords == 0 {
					s.trailingComment(start)
				}
				continue
			case '\\':
				quoted = true
				lastSpace = false
				continue
			case '"':
				start++
				dQuoted = true
				lastSpace = false
				continue
			case '\'':
				start++
				sQuoted = true
				lastSpace = false
				continue
			case '$':
				variable = true
				lastSpace = false
				continue
			default:
				lastSpace = false
			}
			continue
		}

		if ch == '{' && variable {
			continue
		}
		variable = false
		if ch == '\\' {
			quoted = true
			continue
		}
		if ch == '$' {
			variable = true
			continue
		}

		typ := tokWord
		switch {
		case dQuoted:
			if ch == '"' {
				dQuoted = false
				needSpace = true
				found = true
				typ = tokDQuoted
			}
		case sQuoted:
			if ch == '\'' {
				sQuoted = false
				needSpace = true
				found = true
				typ = tokSQuoted
			}
		case isSpace(ch) || ch == ';' || ch == '{':
			lastSpace = true
			found = true
		}
		if !found {
			continue
		}
		found = false
		// startPos is where the word, or its opening quote, is.
		s.queue = append(s.queue, lexer.Token{Type: typ, Value: s.word(start, s.pos-1), Pos: startPos})
		nwords++
		switch ch {
		case ';':
			return stOK
		case '{':
			return s.braceAfterWords()
		}
	}
}

// braceAfterWords is the "{" that ends a statement with words; a template's
// "{{" or "{%" gets its own message instead of the block nginx would start.
func (s *scanner) braceAfterWords() status {
	if s.templateAt(s.pos - 1) {
		return stError
	}
	return stBlockStart
}

// templateAt reports (and records) a Go/Jinja/Liquid template token at off:
// "{{" or "{%" outside quotes can never be nginx syntax, and nginx's own
// message ("unexpected "{"") would not tell the operator what is wrong.
func (s *scanner) templateAt(off int) bool {
	if off+1 >= len(s.src) {
		return false
	}
	next := s.src[off+1]
	if next != '{' && next != '%' {
		return false
	}
	tok := string(s.src[off : off+2])
	s.failAt(s.position(off), fmt.Sprintf("unexpected template token %q (this looks like a template, not an nginx config)", tok))
	return true
}

// tooLong reports nginx's "too long parameter" error at the line where the
// token started: the token (or comment) has filled nginx's read buffer.
func (s *scanner) tooLong(start int, startQuoted, sQuoted, dQuoted bool) {
	startPos := s.position(start)
	if startQuoted {
		startPos = s.position(start - 1) // the opening quote
	}
	switch {
	case dQuoted:
		s.failAt(startPos, `too long parameter, probably missing terminating """ character`)
	case sQuoted:
		s.failAt(startPos, `too long parameter, probably missing terminating "'" character`)
	default:
		end := min(start+10, len(s.src))
		s.failAt(startPos, `too long parameter "`+string(s.src[start:end])+`..." started`)
	}
}

// plainBare, plainDQuoted and plainSQuoted mark the bytes that only extend
// the current bare, "double" or 'single' quoted word: not a terminator, not
// a backslash, "$" or "{" (which change the state), not a newline (counted).
var plainBare, plainDQuoted, plainSQuoted = plainTable(" \t\r\n;{\\$"), plainTable("\"\\${\n"), plainTable("'\\${\n")

func plainTable(special string) (t [256]bool) {
	for i := range t {
		t[i] = true
	}
	for i := 0; i < len(special); i++ {
		t[special[i]] = false
	}
	return t
}

// unexpected is nginx's message for a byte that cannot appear where it is;
// the byte is printed raw, as nginx's "%c" does.
func unexpected(ch byte) string {
	return `unexpected "` + string([]byte{ch}) + `"`
}

// trailingComment queues a comment that follows a ";" or "{" on the same
// line, so the grammar can attach it to that directive.
func (s *scanner) trailingComment(hash int) {
	if s.lastTerm != tokSemicolon && s.lastTerm != tokLBrace {
		return
	}
	if s.lastTermLine != s.line {
		return
	}
	end := hash + 1
	for end < len(s.src) && s.src[end] != '\n' {
		end++
	}
	text := strings.TrimSpace(string(s.src[hash+1 : end]))
	s.queue = append(s.queue, lexer.Token{Type: tokComment, Value: text, Pos: s.position(hash)})
	s.stmtStart = len(s.queue)
	s.lastTerm = tokComment
}

// word returns the value of the word in src[start:end].
func (s *scanner) word(start, end int) string {
	if bytes.IndexByte(s.src[start:end], '\\') < 0 {
		return s.text[start:end]
	}
	return unescape(s.src, start, end)
}

// unescape copies src[start:end] processing nginx's escapes: \" \' \\ become
// the character, \t \r \n the control character, any other backslash stays.
func unescape(src []byte, start, end int) string {
	out := make([]byte, 0, end-start)
	for i := start; i < end; {
		if src[i] == '\\' && i+1 < len(src) {
			switch src[i+1] {
			case '"', '\'', '\\':
				i++
			case 't':
				out = append(out, '\t')
				i += 2
				continue
			case 'r':
				out = append(out, '\r')
				i += 2
				continue
			case 'n':
				out = append(out, '\n')
				i += 2
				continue
			}
		}
		out = append(out, src[i])
		i++
	}
	return string(out)
}
