package nginxconf

import "github.com/alecthomas/participle/v2/lexer"

// builder turns the scanner's tokens into the AST.
//
// Two routes lead from tokens to the tree and give the same result:
//
//   - build walks the token stream directly. It is the grammar of grammar.go
//     written out by hand: Statement = Arg+ ( ";" Comment? | LuaBody |
//     "{" Comment? Statement* "}" ). The parser uses it because participle's
//     reflection-driven matching costs about 20 times the whole hand-written
//     parse on real configurations: 18 ms and 100k allocations against
//     under 1 ms and 469 allocations for the 92 KB corpus file 059 (see
//     BenchmarkParseCorpus059 and BenchmarkParseCorpus059Participle).
//   - fromGrammar converts participle's parse tree (grammar.go). Tests and the
//     fuzz target check that both routes agree on every input.
type builder struct {
	file string
	from *Pos
	// Directives and arguments are carved out of slabs: one allocation per
	// many directives instead of two per directive.
	dirSlab []Directive
	argSlab []Arg
}

const slabSize = 128

// build reads all tokens of sc. The scanner guarantees a well-formed stream
// (blocks closed even after an error), but build does not rely on it: a
// stray token ends the current list instead of panicking.
func (b *builder) build(sc *scanner) []*Directive {
	list, _ := b.list(sc, nil)
	return list
}

// list reads statements until the "}" closing parent's block (or EOF when
// parent is nil). It returns the list and whether input ended.
func (b *builder) list(sc *scanner, parent *Directive) ([]*Directive, bool) {
	var out []*Directive
	words := make([]lexer.Token, 0, 8)
	for {
		t, _ := sc.Next()
		switch t.Type {
		case lexer.EOF:
			return out, true
		case tokRBrace:
			if parent != nil {
				return out, false
			}
			continue
		case tokComment:
			// A trailing comment belongs to the statement just closed, or
			// to the block just opened.
			switch n := len(out); {
			case len(words) > 0:
			case n > 0 && !out[n-1].IsBlock:
				out[n-1].Comment = t.Value
			case n == 0 && parent != nil:
				parent.Comment = t.Value
			}
			continue
		case tokWord, tokDQuoted, tokSQuoted:
			words = append(words, t)
			continue
		}
		if len(words) == 0 {
			continue // a terminator without words: cannot come from the scanner
		}
		d := b.directive(words)
		words = words[:0]
		out = append(out, d)
		switch t.Type {
		case tokLuaBody:
			d.IsBlock = true
			d.RawBody = t.Value
		case tokLBrace:
			d.IsBlock = true
			var eof bool
			d.Block, eof = b.list(sc, d)
			if eof {
				return out, true
			}
		}
	}
}

// directive makes a Directive from its name and argument tokens.
func (b *builder) directive(words []lexer.Token) *Directive {
	if len(b.dirSlab) == 0 {
		b.dirSlab = make([]Directive, slabSize)
	}
	d := &b.dirSlab[0]
	b.dirSlab = b.dirSlab[1:]
	d.Name = words[0].Value
	d.Pos = b.pos(words[0].Pos)
	if n := len(words) - 1; n > 0 {
		d.Args = b.args(n)
		for i, w := range words[1:] {
			d.Args[i] = Arg{Value: w.Value, Quoted: quoteOf(w.Type), Pos: b.pos(w.Pos)}
		}
	}
	return d
}

// args returns a slice of n arguments whose capacity is n, so appending to
// one directive's Args can never overwrite another's.
func (b *builder) args(n int) []Arg {
	if n > slabSize/4 {
		return make([]Arg, n)
	}
	if len(b.argSlab) < n {
		b.argSlab = make([]Arg, slabSize)
	}
	a := b.argSlab[:n:n]
	b.argSlab = b.argSlab[n:]
	return a
}

func (b *builder) pos(lp lexer.Position) Pos {
	return Pos{File: b.file, Line: lp.Line, Col: lp.Column, IncludedFrom: b.from}
}

func quoteOf(t lexer.TokenType) Quote {
	switch t {
	case tokDQuoted:
		return Double
	case tokSQuoted:
		return Single
	default:
		return Bare
	}
}

// fromGrammar converts participle's parse tree into the AST.
func (b *builder) fromGrammar(in []*gStatement) []*Directive {
	if len(in) == 0 {
		return nil
	}
	out := make([]*Directive, len(in))
	for i, st := range in {
		words := make([]lexer.Token, len(st.Words))
		for j, w := range st.Words {
			words[j] = w.Tok
		}
		d := b.directive(words)
		switch {
		case st.Semi != nil:
			if st.Semi.Comment != nil {
				d.Comment = st.Semi.Comment.Value
			}
		case st.Lua != nil:
			d.IsBlock = true
			d.RawBody = st.Lua.Value
		case st.Block != nil:
			d.IsBlock = true
			if st.Block.Comment != nil {
				d.Comment = st.Block.Comment.Value
			}
			d.Block = b.fromGrammar(st.Block.Statements)
		}
		out[i] = d
	}
	return out
}
