package vars

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dlclark/regexp2"

	"sliceproxy/nginxconf"
)

// DefaultRegexTimeout bounds one match on the backtracking engine when no
// registry option says otherwise.
const DefaultRegexTimeout = 100 * time.Millisecond

// Regex is a compiled nginx regular expression (PCRE syntax). It runs on Go's
// RE2 engine when RE2 accepts the pattern (linear time, no timeout needed)
// and on regexp2, a backtracking engine with a match timeout, for what only
// PCRE-style engines accept (lookaround, backreferences, atomic groups,
// possessive quantifiers, \Z).
// Captures are numbered as PCRE numbers them, left to right.
// A Regex is immutable and safe for concurrent use.
type Regex struct {
	pattern  string
	caseless bool
	re2      *regexp.Regexp
	bt       *regexp2.Regexp
	// names[i] is the name of capture group i ("" for unnamed); names[0] is
	// the whole match.
	names []string
	// btGroup[i] is regexp2's number for PCRE group i (.NET numbers named
	// groups after unnamed ones).
	btGroup []int
	// named binds named groups to registry variables (set on a match).
	named []namedCapture
}

type namedCapture struct {
	group int
	idx   Index
}

// CompileRegex compiles an nginx regex with DefaultRegexTimeout. warning is
// non-empty when the pattern needs the backtracking engine (lint reports it);
// err is non-nil when neither engine accepts it.
func CompileRegex(pattern string, caseless bool) (*Regex, string, error) {
	return CompileRegexTimeout(pattern, caseless, DefaultRegexTimeout)
}

// CompileRegexTimeout is CompileRegex with the backtracking match timeout.
func CompileRegexTimeout(pattern string, caseless bool, timeout time.Duration) (*Regex, string, error) {
	re := &Regex{pattern: pattern, caseless: caseless}
	goRE, errRE2 := compileRE2(pattern, caseless)
	if errRE2 == nil {
		re.re2 = goRE
		re.names = goRE.SubexpNames()
		return re, "", nil
	}
	opts := regexp2.None
	if caseless {
		opts |= regexp2.IgnoreCase
	}
	btPattern := pcreToDotNet(pattern)
	btPattern, _ = possessiveToAtomic(btPattern)
	bt, errBT := regexp2.Compile(btPattern, opts)
	if errBT != nil {
		return nil, "", fmt.Errorf("invalid regex %q: %s", pattern, regexErrorText(errRE2, errBT))
	}
	if timeout <= 0 {
		timeout = DefaultRegexTimeout
	}
	bt.MatchTimeout = timeout
	re.bt = bt
	re.names = captureLayout(pattern)
	re.btGroup = make([]int, len(re.names))
	unnamed := 0
	for i, n := range re.names {
		switch {
		case i == 0:
			re.btGroup[i] = 0
		case n == "":
			unnamed++
			re.btGroup[i] = unnamed
		default:
			re.btGroup[i] = bt.GroupNumberFromName(n)
		}
	}
	warning := fmt.Sprintf("regex %q is not RE2 (%v): it runs on a backtracking engine with a %v match timeout",
		pattern, shortRE2Error(errRE2), timeout)
	return re, warning, nil
}

// regexErrorText explains why neither engine took a pattern: RE2's reason,
// or the backtracking engine's when RE2 only lacked a feature.
func regexErrorText(errRE2, errBT error) string {
	if e, ok := errRE2.(*syntax.Error); ok && e.Code == syntax.ErrInvalidPerlOp {
		return errBT.Error()
	}
	if e, ok := errRE2.(*syntax.Error); ok {
		if e.Expr != "" {
			return fmt.Sprintf("%s: %s", e.Code, e.Expr)
		}
		return string(e.Code)
	}
	return errRE2.Error()
}

// shortRE2Error names what RE2 rejected ("invalid or unsupported Perl
// syntax") without repeating the pattern.
func shortRE2Error(err error) string {
	if e, ok := err.(*syntax.Error); ok {
		return string(e.Code)
	}
	return err.Error()
}

// compileRE2 compiles pattern for Go's engine with PCRE's anchors: without
// (?m), "^" is the start of the subject and "$" its end or just before a
// final newline (PCRE's default; Go's "$" would only match at the end).
func compileRE2(pattern string, caseless bool) (*regexp.Regexp, error) {
	flags := syntax.Perl
	multiline := hasInlineFlag(pattern, 'm')
	if !multiline {
		flags &^= syntax.OneLine
	}
	tree, err := syntax.Parse(pattern, flags)
	if err != nil {
		return nil, err
	}
	if !multiline {
		tree = pcreAnchors(tree)
	}
	tree = asciiFold(tree, caseless)
	return regexp.Compile(tree.String())
}

// asciiFold makes case-insensitive matching ASCII-only, as PCRE without UTF
// mode (nginx's) does: RE2's (?i) would also fold "ä"/"Ä" or "k"/"K" (Kelvin
// sign). caseless applies to the whole pattern (~*); literals under an inline
// (?i) are handled too (character classes under an inline (?i) were folded
// by the parser and keep RE2's Unicode folding).
func asciiFold(re *syntax.Regexp, caseless bool) *syntax.Regexp {
	fold := caseless || re.Flags&syntax.FoldCase != 0
	switch re.Op {
	case syntax.OpLiteral:
		if !fold {
			return re
		}
		subs := make([]*syntax.Regexp, 0, len(re.Rune))
		for _, r := range re.Rune {
			if lo := r | 0x20; lo >= 'a' && lo <= 'z' {
				subs = append(subs, &syntax.Regexp{Op: syntax.OpCharClass, Rune: []rune{lo - 0x20, lo - 0x20, lo, lo}})
				continue
			}
			subs = append(subs, &syntax.Regexp{Op: syntax.OpLiteral, Rune: []rune{r}})
		}
		if len(subs) == 1 {
			return subs[0]
		}
		return &syntax.Regexp{Op: syntax.OpConcat, Sub: subs}
	case syntax.OpCharClass:
		if !caseless {
			return re
		}
		// The parser has already applied a "^": fold the class it negated,
		// then negate again, so that [^a-c] excludes A-C as well.
		rs := re.Rune
		negated := len(rs) > 0 && rs[len(rs)-1] == unicode.MaxRune
		if negated {
			rs = negateRanges(rs)
		}
		rs = addASCIICase(rs)
		if negated {
			rs = negateRanges(rs)
		}
		return &syntax.Regexp{Op: syntax.OpCharClass, Rune: rs}
	}
	for i, sub := range re.Sub {
		re.Sub[i] = asciiFold(sub, caseless)
	}
	return re
}

// pcreAnchors rewrites line anchors (what "^"/"$" parse to without OneLine)
// into PCRE's single-line meaning.
func pcreAnchors(re *syntax.Regexp) *syntax.Regexp {
	switch re.Op {
	case syntax.OpBeginLine:
		return &syntax.Regexp{Op: syntax.OpBeginText, Flags: re.Flags}
	case syntax.OpEndLine:
		end := &syntax.Regexp{Op: syntax.OpEndText}
		nl := &syntax.Regexp{Op: syntax.OpConcat, Sub: []*syntax.Regexp{
			{Op: syntax.OpLiteral, Rune: []rune{'\n'}},
			{Op: syntax.OpEndText},
		}}
		return &syntax.Regexp{Op: syntax.OpAlternate, Sub: []*syntax.Regexp{end, nl}}
	}
	for i, s := range re.Sub {
		re.Sub[i] = pcreAnchors(s)
	}
	return re
}

// addASCIICase returns the ranges plus the other case of every ASCII letter
// in them, sorted and merged.
func addASCIICase(rs []rune) []rune {
	out := append([]rune(nil), rs...)
	for i := 0; i+1 < len(rs); i += 2 {
		lo, hi := rs[i], rs[i+1]
		for _, span := range [2][2]rune{{'a', 'z'}, {'A', 'Z'}} {
			if a, b := max(lo, span[0]), min(hi, span[1]); a <= b {
				out = append(out, a^0x20, b^0x20)
			}
		}
	}
	return cleanRanges(out)
}

// cleanRanges sorts [lo, hi] pairs and merges overlapping or adjacent ones.
func cleanRanges(rs []rune) []rune {
	type span struct{ lo, hi rune }
	spans := make([]span, 0, len(rs)/2)
	for i := 0; i+1 < len(rs); i += 2 {
		spans = append(spans, span{rs[i], rs[i+1]})
	}
	slices.SortFunc(spans, func(a, b span) int { return int(a.lo - b.lo) })
	out := make([]rune, 0, len(rs))
	for _, sp := range spans {
		if n := len(out); n > 0 && sp.lo <= out[n-1]+1 {
			out[n-1] = max(out[n-1], sp.hi)
			continue
		}
		out = append(out, sp.lo, sp.hi)
	}
	return out
}

// negateRanges returns the complement of sorted, merged ranges within
// [0, unicode.MaxRune].
func negateRanges(rs []rune) []rune {
	var out []rune
	next := rune(0)
	for i := 0; i+1 < len(rs); i += 2 {
		if rs[i] > next {
			out = append(out, next, rs[i]-1)
		}
		next = rs[i+1] + 1
	}
	if next <= unicode.MaxRune {
		out = append(out, next, unicode.MaxRune)
	}
	return out
}

// hasInlineFlag reports whether the pattern sets flag f in a "(?flags)" or
// "(?flags:" group.
func hasInlineFlag(pattern string, f byte) bool {
	for i := 0; i+2 < len(pattern); i++ {
		if pattern[i] == '\\' {
			i++
			continue
		}
		if pattern[i] != '(' || pattern[i+1] != '?' {
			continue
		}
		for j := i + 2; j < len(pattern); j++ {
			c := pattern[j]
			if c == f {
				return true
			}
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
				break
			}
		}
	}
	return false
}

// pcreToDotNet rewrites the Python/RE2 named group "(?P<name>" that .NET
// syntax lacks into "(?<name>".
func pcreToDotNet(p string) string {
	if !strings.Contains(p, "(?P<") {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+1 < len(p) {
			b.WriteByte(p[i])
			i++
			b.WriteByte(p[i])
			continue
		}
		if strings.HasPrefix(p[i:], "(?P<") {
			b.WriteString("(?<")
			i += 3
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// captureLayout lists the capture groups of a PCRE pattern in PCRE's order
// (left to right by opening parenthesis) with their names; index 0 is the
// whole match.
func captureLayout(p string) []string {
	names := []string{""}
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\':
			if strings.HasPrefix(p[i:], `\Q`) {
				if end := strings.Index(p[i+2:], `\E`); end >= 0 {
					i += 2 + end + 1
				} else {
					i = len(p)
				}
				continue
			}
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			// "]" right after "[" or "[^" is a literal.
			if i+1 < len(p) && p[i+1] == '^' {
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' {
				i++
			}
		case c == '(':
			rest := p[i+1:]
			switch {
			case !strings.HasPrefix(rest, "?") && !strings.HasPrefix(rest, "*"):
				names = append(names, "")
			case strings.HasPrefix(rest, "?P<"), strings.HasPrefix(rest, "?<") && !strings.HasPrefix(rest, "?<=") && !strings.HasPrefix(rest, "?<!"),
				strings.HasPrefix(rest, "?'"):
				start := strings.IndexAny(rest, "<'") + 1
				end := strings.IndexAny(rest[start:], ">'")
				if end < 0 {
					names = append(names, "")
				} else {
					names = append(names, rest[start:start+end])
				}
			}
		}
	}
	return names
}

// String returns the pattern as written.
func (re *Regex) String() string { return re.pattern }

// Caseless reports whether the regex was compiled case-insensitively (~*).
func (re *Regex) Caseless() bool { return re.caseless }

// Backtracking reports whether the regex runs on the backtracking engine.
func (re *Regex) Backtracking() bool { return re.bt != nil }

// NumCaptures returns the number of capture groups.
func (re *Regex) NumCaptures() int { return len(re.names) - 1 }

// Names returns the names of the capture groups by number ("" for unnamed;
// index 0 is the whole match).
func (re *Regex) Names() []string { return re.names }

// Match reports whether subject matches. A backtracking match that exceeds
// its timeout counts as no match.
func (re *Regex) Match(subject []byte) bool {
	if re.re2 != nil {
		return re.re2.Match(subject)
	}
	ok, err := re.bt.MatchString(string(subject))
	return err == nil && ok
}

// FindIndex matches subject and returns the byte offsets of the whole match
// and every group in pairs (-1 for a group that did not participate),
// appended to dst[:0].
func (re *Regex) FindIndex(subject []byte, dst []int) ([]int, bool) {
	dst = dst[:0]
	if re.re2 != nil {
		if re.re2.NumSubexp() == 0 {
			loc := re.re2.FindIndex(subject)
			if loc == nil {
				return dst, false
			}
			return append(dst, loc...), true
		}
		m := re.re2.FindSubmatchIndex(subject)
		if m == nil {
			return dst, false
		}
		return append(dst, m...), true
	}
	s := string(subject)
	m, err := re.bt.FindStringMatch(s)
	if err != nil || m == nil {
		return dst, false
	}
	runeToByte := runeOffsets(s)
	for i := range re.names {
		g := m.GroupByNumber(re.btGroup[i])
		if g == nil || len(g.Captures) == 0 {
			dst = append(dst, -1, -1)
			continue
		}
		dst = append(dst, runeToByte[g.Index], runeToByte[g.Index+g.Length])
	}
	return dst, true
}

// runeOffsets maps rune positions (as regexp2 reports them) to byte offsets;
// an invalid byte counts as one rune, as in []rune(s).
func runeOffsets(s string) []int {
	out := make([]int, 0, len(s)+1)
	for i := 0; i < len(s); {
		out = append(out, i)
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
	}
	return append(out, len(s))
}

// CompileRegex compiles a regex found in the configuration at pos with the
// registry's match timeout and declares its named captures as variables
// (nginx's ngx_http_regex_compile), so $name is usable after a match. The
// diagnostics hold the backtracking warning or the error.
func (r *Registry) CompileRegex(pattern string, caseless bool, pos nginxconf.Pos) (*Regex, []nginxconf.Diagnostic) {
	re, warning, err := CompileRegexTimeout(pattern, caseless, r.opts.RegexTimeout)
	if err != nil {
		return nil, []nginxconf.Diagnostic{{Pos: pos, Severity: nginxconf.SevError, Code: "regex", Message: err.Error()}}
	}
	var diags []nginxconf.Diagnostic
	if warning != "" {
		diags = append(diags, nginxconf.Diagnostic{Pos: pos, Severity: nginxconf.SevWarning, Code: "regex-backtracking", Message: warning})
	}
	for g, name := range re.names {
		if name == "" {
			continue
		}
		idx, err := r.declare(name, pos)
		if err != nil {
			d := err.(nginxconf.Diagnostic)
			return nil, append(diags, d)
		}
		if v := &r.vars[idx]; v.flags&flagPlain != 0 && v.mapv == nil {
			// Not found until a match, whatever "set" declared before.
			v.flags |= flagCapture
			v.get = getNotFound
		}
		re.named = append(re.named, namedCapture{group: g, idx: idx})
	}
	return re, diags
}

// MatchRegex runs re on subject and, on a match, records its captures for
// $1..$9 and assigns its named captures, as ngx_http_regex_exec does: a
// match of a regex without groups leaves no $1..$9 (nginx sets
// r->ncaptures from every match). On no match the previous captures stay,
// as for location, map and server_name regexes; an "if" or "rewrite" whose
// regex does not match must call ClearCaptures, as
// ngx_http_script_regex_start_code does (verified with nginx 1.22, see
// captures_test.go).
func (q *Request) MatchRegex(re *Regex, subject []byte) bool {
	idx, ok := re.FindIndex(subject, q.matchBuf[:0])
	q.matchBuf = idx
	if !ok {
		return false
	}
	q.SetCaptures(subject, idx)
	for _, nc := range re.named {
		a, b := q.caps[2*nc.group], q.caps[2*nc.group+1]
		if a < 0 || b < a {
			q.store(nc.idx, nil)
			continue
		}
		q.store(nc.idx, q.capSubject[a:b])
	}
	return true
}
