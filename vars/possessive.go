package vars

import (
	"strings"
	"unicode/utf8"
)

// possessiveToAtomic rewrites PCRE's possessive quantifiers, which neither
// RE2 nor regexp2 know, into the equivalent atomic groups regexp2 does
// know: "X*+" becomes "(?>X*)", likewise "++", "?+" and "{n,m}+". It reports
// whether it changed anything. The scan understands escapes, character
// classes and groups well enough to find the atom a quantifier applies to.
func possessiveToAtomic(p string) (string, bool) {
	if !strings.Contains(p, "+") {
		return p, false
	}
	var out []byte
	atom := -1 // where the last complete atom starts in out
	var groups []int
	changed := false
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\\':
			start := len(out)
			n := escapeLen(p[i:])
			out = append(out, p[i:i+n]...)
			i += n
			atom = start
		case c == '[':
			start := len(out)
			n := classLen(p[i:])
			out = append(out, p[i:i+n]...)
			i += n
			atom = start
		case c == '(':
			if strings.HasPrefix(p[i:], "(?#") {
				end := strings.IndexByte(p[i:], ')')
				if end < 0 {
					end = len(p) - i - 1
				}
				out = append(out, p[i:i+end+1]...)
				i += end + 1
				continue
			}
			groups = append(groups, len(out))
			out = append(out, c)
			i++
			atom = -1
		case c == ')':
			out = append(out, c)
			i++
			if n := len(groups); n > 0 {
				atom = groups[n-1]
				groups = groups[:n-1]
			} else {
				atom = -1
			}
		case c == '|':
			out = append(out, c)
			i++
			atom = -1
		case c == '*' || c == '+' || c == '?' || c == '{' && quantLen(p[i:]) > 0:
			n := 1
			if c == '{' {
				n = quantLen(p[i:])
			}
			q := p[i : i+n]
			i += n
			if i < len(p) && p[i] == '+' && atom >= 0 {
				// Possessive: wrap the atom and its quantifier.
				body := append([]byte(nil), out[atom:]...)
				out = append(out[:atom], "(?>"...)
				out = append(out, body...)
				out = append(out, q...)
				out = append(out, ')')
				i++
				changed = true
				atom = -1
				continue
			}
			out = append(out, q...)
			if i < len(p) && p[i] == '?' {
				out = append(out, '?')
				i++
			}
			atom = -1
		default:
			start := len(out)
			_, n := utf8.DecodeRuneInString(p[i:])
			out = append(out, p[i:i+n]...)
			i += n
			atom = start
		}
	}
	if !changed {
		return p, false
	}
	return string(out), true
}

// escapeLen is the length of the escape sequence at the start of s.
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case 'x', 'p', 'P', 'g', 'k', 'o', 'N':
		if len(s) > 2 && (s[2] == '{' || s[2] == '<' || s[2] == '\'') {
			closer := map[byte]byte{'{': '}', '<': '>', '\'': '\''}[s[2]]
			if end := strings.IndexByte(s[3:], closer); end >= 0 {
				return 3 + end + 1
			}
			return len(s)
		}
		if s[1] == 'x' {
			n := 2
			for n < len(s) && n < 4 && isHex(s[n]) {
				n++
			}
			return n
		}
		if (s[1] == 'p' || s[1] == 'P') && len(s) > 2 {
			return 3
		}
	case 'c':
		return min(3, len(s))
	case 'Q':
		if end := strings.Index(s[2:], `\E`); end >= 0 {
			return 2 + end + 2
		}
		return len(s)
	}
	_, n := utf8.DecodeRuneInString(s[1:])
	return 1 + n
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f'
}

// classLen is the length of the character class at the start of s ("[...]"),
// allowing "]" first, escapes and POSIX classes like [:alpha:].
func classLen(s string) int {
	i := 1
	if i < len(s) && s[i] == '^' {
		i++
	}
	if i < len(s) && s[i] == ']' {
		i++
	}
	for i < len(s) {
		switch {
		case s[i] == '\\':
			i += escapeLen(s[i:])
			continue
		case s[i] == '[' && i+1 < len(s) && s[i+1] == ':':
			if end := strings.Index(s[i+2:], ":]"); end >= 0 {
				i += 2 + end + 2
				continue
			}
		case s[i] == ']':
			return i + 1
		}
		i++
	}
	return len(s)
}

// quantLen is the length of a "{n}", "{n,}" or "{n,m}" quantifier at the
// start of s, 0 when s does not start with one (PCRE then reads "{" as a
// literal).
func quantLen(s string) int {
	i := 1
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if digits == 0 {
		return 0
	}
	if i < len(s) && s[i] == ',' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && s[i] == '}' {
		return i + 1
	}
	return 0
}
