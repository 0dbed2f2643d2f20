package nginxconf

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The grammar of nginx's statement structure, for participle:
//
//	File      = Statement* .
//	Statement = Arg+ ( ";" Comment? | LuaBody | "{" Comment? Statement* "}" ) .
//	Arg       = Word | DQuoted | SQuoted .
//
// Everything context sensitive (what "{" means after a Lua directive name or
// inside map, errors nginx raises while tokenizing) is decided by the lexer;
// the grammar only shapes the tokens into a tree with positions. The lexer
// ends every file with its blocks closed (even after an error), so a token
// stream it produces always matches this grammar.

// gFile is a whole file.
type gFile struct {
	Statements []*gStatement `parser:"@@*"`
}

// gStatement is one directive.
type gStatement struct {
	Words []gWord      `parser:"@@+"`
	Semi  *gSemi       `parser:"(   @@"`
	Lua   *lexer.Token `parser:"| @LuaBody"`
	Block *gBlock      `parser:"| @@ )"`
}

// gWord is a directive name or argument. (A bare []lexer.Token capture
// keeps only the last token of a repetition, hence the wrapper.)
type gWord struct {
	Tok lexer.Token `parser:"@(Word | DQuoted | SQuoted)"`
}

// gSemi ends a simple directive.
type gSemi struct {
	Semi    lexer.Token  `parser:"@Semicolon"`
	Comment *lexer.Token `parser:"@Comment?"`
}

// gBlock is a "{ ... }" block.
type gBlock struct {
	Open       lexer.Token   `parser:"@LBrace"`
	Comment    *lexer.Token  `parser:"@Comment?"`
	Statements []*gStatement `parser:"@@*"`
	Close      lexer.Token   `parser:"@RBrace"`
}

// grammar is built once; a participle parser is immutable and safe for
// concurrent use.
var grammar = participle.MustBuild[gFile](
	participle.Lexer(definition{}),
	participle.UseLookahead(1),
)

// parseTokens runs the grammar over the scanner's tokens.
func parseTokens(sc *scanner) (*gFile, error) {
	pl, err := lexer.Upgrade(sc)
	if err != nil {
		return nil, err
	}
	return grammar.ParseFromLexer(pl)
}

// parseWithGrammar is the participle route from text to AST: the same
// scanner, then the grammar above. The parser itself uses the hand-written
// route in parse_build.go (see there why); tests and the fuzz target check
// that both give the same tree.
func parseWithGrammar(name string, src []byte, opt scanOptions) ([]*Directive, *Diagnostic, error) {
	sc := newScanner(name, src, opt)
	tree, err := parseTokens(sc)
	if err != nil {
		return nil, sc.Err(), err
	}
	b := builder{file: name}
	return b.fromGrammar(tree.Statements), sc.Err(), nil
}
