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
	tokWord      lexer.TokenType = iota + 1 // a bare word, escapes processed
	tokDQuoted                              // a "double quoted" word, escapes processed
	tokSQuoted                              // a 'single quoted' word, escapes processed
	tokSemicolon                            // ";" ending a simple directive
	tokLBrace                               // "{" opening a block
	tokRBrace                               // "}" closing a block
	tokLuaBody                              // the raw text of a *_by_lua_block body
	tokComment                              // a "#" comment right after ";" or "{" on the same line
)

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

// Symbols builds its map on every call: the grammar is built during package
// initialization, possibly before any package-level map would be.
func (definition) Symbols() map[string]lexer.TokenType {
	return map[string]lexer.TokenType{
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
	// text is src as one string: words without escapes are substrings of
	// it, which saves an allocation per word.
	text string
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
	qhead     int
	done      bool
	closed    bool // the closing "}" tokens after an error have been queued

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
	return &scanner{file: file, src: src, text: string(src), opt: opt, line: 1, queue: make([]lexer.Token, 0, 16)}
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
