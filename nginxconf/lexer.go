package nginxconf

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Token types produced by the nginx lexer. participle reserves negative
// numbers (EOF), so ours start at 1.
const (
	tokWord     lexer.TokenType = iota + 1 // a bare word, escapes processed
	tokDQuoted                             // a "double quoted" word, escapes processed
	tokSQuoted                             // a 'single quoted' word, escapes processed
	tokSemicolon                           // ";" ending a simple directive
	tokLBrace                              // "{" opening a block
	tokRBrace                              // "}" closing a block
	tokLuaBody                             // the raw text of a *_by_lua_block body
	tokComment                             // a "#" comment right after ";" or "{" on the same line
)

var tokenSymbols = map[string]lexer.TokenType{
	"EOF":       lexer.EOF,
	"Word":      tokWord,
	"DQuoted":   tokDQuoted,
	"SQuoted":   tokSQuoted,
	"Semicolon": tokSemicolon,
	"LBrace":    tokLBrace,
	"RBrace":    tokRBrace,
	"LuaBody":   tokLuaBody,
	"Comment":   tokComment,
}

// definition is the participle lexer.Definition for nginx configuration
// text. nginx's tokenizer is context sensitive (a "{" after a *_by_lua_block
// name switches to Lua, "{" inside map/types blocks is an error, a "}" at file
// level is an error), so the lexer is a hand-written state machine that
// mirrors ngx_conf_read_token rather than a regular-expression lexer.
//
// The parser in parse.go does not go through Lex: it builds a scanner with
// per-parse settings (limits, nesting context) and hands its tokens to the
// participle grammar. Lex exists so the grammar can be built and tested with
// participle's standard entry points.
type definition struct{}

func (definition) Symbols() map[string]lexer.TokenType {
	out := make(map[string]lexer.TokenType, len(tokenSymbols))
	for k, v := range tokenSymbols {
		out[k] = v
	}
	return out
}

func (definition) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	src, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", filename, err)
	}
	return newScanner(filename, src, scanOptions{}), nil
}

func (d definition) LexBytes(filename string, src []byte) (lexer.Lexer, error) {
	return newScanner(filename, src, scanOptions{}), nil
}

func (d definition) LexString(filename string, src string) (lexer.Lexer, error) {
	return newScanner(filename, []byte(src), scanOptions{}), nil
}

// scanOptions carry what the tokenizer needs to know about where the text
// sits: nginx's rules for "{" and "}" depend on it.
type scanOptions struct {
	// depth is the number of blocks and includes around this text; a block
	// opening beyond maxDepth is an error.
	depth    int
	maxDepth int
	// maxTokenLen mirrors nginx's NGX_CONF_BUFFER (4096): nginx fails when a
	// single token (or comment) fills its whole read buffer.
	maxTokenLen int
	// inHandler is true when the text is the body of a block read by a custom
	// handler (map, types, geo, split_clients, charset_map): a "{" there is an
	// error in ngx_conf_parse.
	inHandler bool
	// param is true for the -g command-line directives: no blocks, and
	// nginx's "end of parameter" wording.
	param bool
}

// status is what one call of readStatement found, as the return codes of
// ngx_conf_read_token.
type status int

const (
	stOK         status = iota // words terminated by ";"
	stBlockStart               // words terminated by "{"
	stBlockDone                // "}"
	stFileDone                 // end of input, no words pending
	stError                    // a syntax error was recorded
)

// handlerBlocks are directives whose block nginx reads with a custom handler
// (cf->handler): the entries are "key value" lines, blocks are not allowed.
var handlerBlocks = map[string]bool{
	"map":           true,
	"geo":           true,
	"types":         true,
	"split_clients": true,
	"charset_map":   true,
}

// scanner tokenizes one file. It reads a whole statement at a time, as nginx
// does, so that a syntax error drops the half-read statement and the parser
// still gets a well-formed tree of everything before it.
type scanner struct {
	file string
	src  []byte
	opt  scanOptions

	pos       int // next byte to read
	line      int // current line, 1-based, counted like nginx (LF only)
	lineStart int // offset of the first byte of the current line

	// blocks is the stack of open blocks in this file: true for a handler
	// block (map, types, ...).
	blocks []bool

	// queue holds the tokens of the statement being read; stmtStart is the
	// index of its first word (a trailing comment of the previous statement
	// may come before it).
	queue     []lexer.Token
	stmtStart int
	qhead  int
	done   bool
	closed bool // the closing "}" tokens after an error have been queued

	// lastTerm is the type and line of the last ";" or "{" emitted, to tell a
	// trailing comment from a comment on a line of its own.
	lastTerm     lexer.TokenType
	lastTermLine int

	err *Diagnostic
}

func newScanner(file string, src []byte, opt scanOptions) *scanner {
	if opt.maxDepth <= 0 {
		opt.maxDepth = defaultMaxDepth
	}
	if opt.maxTokenLen <= 0 {
		opt.maxTokenLen = defaultMaxTokenLen
	}
	return &scanner{file: file, src: src, opt: opt, line: 1, queue: make([]lexer.Token, 0, 16)}
}

// Err returns the syntax error that ended the scan, if any.
func (s *scanner) Err() *Diagnostic { return s.err }

// Next implements lexer.Lexer. After a syntax error it closes every open
// block and reports EOF, so the grammar sees a complete (truncated) file.
func (s *scanner) Next() (lexer.Token, error) {
	for s.qhead >= len(s.queue) {
		if s.done {
			return lexer.EOFToken(s.position(s.pos)), nil
		}
		s.queue = s.queue[:0]
		s.qhead = 0
		s.fill()
	}
	t := s.queue[s.qhead]
	s.qhead++
	return t, nil
}

// fill reads the next statement into the queue.
func (s *scanner) fill() {
	st := s.readStatement()
	switch st {
	case stOK:
		s.emitTerm(tokSemicolon, ";")
	case stBlockStart:
		s.blockStart()
	case stBlockDone:
		if len(s.blocks) == 0 {
			s.fail(s.pos-1, `unexpected "}"`)
			return
		}
		s.blocks = s.blocks[:len(s.blocks)-1]
		s.queue = append(s.queue, lexer.Token{Type: tokRBrace, Value: "}", Pos: s.position(s.pos - 1)})
		s.lastTerm = tokRBrace
	case stFileDone:
		if len(s.blocks) > 0 {
			s.fail(s.pos, `unexpected end of file, expecting "}"`)
			return
		}
		s.done = true
	case stError:
		s.abort()
	}
}

func (s *scanner) emitTerm(typ lexer.TokenType, value string) {
	s.queue = append(s.queue, lexer.Token{Type: typ, Value: value, Pos: s.position(s.pos - 1)})
	s.lastTerm = typ
	s.lastTermLine = s.line
}

// blockStart handles the "{" that ended a statement: errors nginx raises
// there, Lua bodies, and handler blocks.
func (s *scanner) blockStart() {
	brace := s.pos - 1
	if s.opt.param {
		s.fail(brace, "block directives are not supported in -g option")
		return
	}
	if s.opt.inHandler || (len(s.blocks) > 0 && s.blocks[len(s.blocks)-1]) {
		s.fail(brace, `unexpected "{"`)
		return
	}
	if s.opt.depth+len(s.blocks)+1 > s.opt.maxDepth {
		s.fail(brace, fmt.Sprintf("blocks and includes nested too deep (limit %d)", s.opt.maxDepth))
		return
	}
	name := s.queue[s.stmtStart].Value
	if strings.HasSuffix(name, "_by_lua_block") {
		body, ok := s.scanLuaBody()
		if !ok {
			s.abort()
			return
		}
		s.queue = append(s.queue, lexer.Token{Type: tokLuaBody, Value: body, Pos: s.position(brace)})
		s.lastTerm = tokLuaBody
		return
	}
	s.blocks = append(s.blocks, handlerBlocks[name])
	s.emitTerm(tokLBrace, "{")
}

// fail records a syntax error at offset off and ends the scan.
func (s *scanner) fail(off int, msg string) {
	s.failAt(s.position(off), msg)
	s.abort()
}

func (s *scanner) failAt(p lexer.Position, msg string) {
	if s.err != nil {
		return
	}
	s.err = &Diagnostic{
		Pos:      Pos{File: s.file, Line: p.Line, Col: p.Column},
		Severity: SevError,
		Message:  msg,
		Code:     CodeSyntax,
	}
}

// abort drops the half-read statement and queues a "}" for every open block,
// then EOF.
func (s *scanner) abort() {
	if s.closed {
		return
	}
	s.closed = true
	s.queue = s.queue[:0]
	s.qhead = 0
	end := s.position(s.pos)
	for range s.blocks {
		s.queue = append(s.queue, lexer.Token{Type: tokRBrace, Value: "}", Pos: end})
	}
	s.blocks = nil
	s.done = true
}

// position converts a byte offset on the current line (or the offset of the
// current position) into a participle position with nginx's line number and a
// 1-based byte column.
func (s *scanner) position(off int) lexer.Position {
	line, lineStart := s.line, s.lineStart
	if off < lineStart {
		// The offset is on an earlier line (e.g. a token that ended with a
		// newline): recount from the offset back to its line start.
		line -= bytes.Count(s.src[off:lineStart], []byte{'\n'})
		lineStart = bytes.LastIndexByte(s.src[:off], '\n') + 1
	}
	return lexer.Position{Filename: s.file, Offset: off, Line: line, Column: off - lineStart + 1}
}

func isSpace(ch byte) bool { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' }

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
		startPos                                 = s.position(s.pos)
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
			s.tooLong(start, startPos, sQuoted, dQuoted)
			return stError
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
			startPos = s.position(start)
			if isSpace(ch) {
				continue
			}
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
		s.queue = append(s.queue, lexer.Token{Type: typ, Value: unescape(s.src, start, s.pos-1), Pos: startPos})
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
func (s *scanner) tooLong(start int, startPos lexer.Position, sQuoted, dQuoted bool) {
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
	s.lastTerm = tokComment
}

// unescape copies src[start:end] processing nginx's escapes: \" \' \\ become
// the character, \t \r \n the control character, any other backslash stays.
func unescape(src []byte, start, end int) string {
	if bytes.IndexByte(src[start:end], '\\') < 0 {
		return string(src[start:end])
	}
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
