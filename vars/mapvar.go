package vars

import (
	"fmt"
	"strings"

	"sliceproxy/nginxconf"
)

// mapVar is one "map SOURCE $target { ... }" block, compiled.
type mapVar struct {
	source    *Template
	hostnames bool
	keys      *HostTable[*Template]
	regexes   []mapRegex
	def       *Template // nil: ""
	pos       nginxconf.Pos
	// isVolatile: the block said "volatile" (the target is not cached).
	isVolatile bool
}

type mapRegex struct {
	re    *Regex
	value *Template
}

// LoadMaps builds every map block among the http block's directives (the
// statements of "http { }", includes expanded). All targets are declared
// first, so maps may use each other in any order, as nginx resolves names
// at the end of the configuration. Errors use nginx's words at file:line.
func (r *Registry) LoadMaps(httpBlock []*nginxconf.Directive) []nginxconf.Diagnostic {
	var diags []nginxconf.Diagnostic
	type pending struct {
		d   *nginxconf.Directive
		idx Index
	}
	var maps []pending
	for _, d := range nginxconf.Expand(httpBlock) {
		if d.Name != "map" {
			continue
		}
		if len(d.Args) != 2 || !d.IsBlock {
			diags = append(diags, errAt(d.Pos, "invalid-args", `invalid number of arguments in "map" directive`))
			continue
		}
		target := d.Args[1]
		if !strings.HasPrefix(target.Value, "$") {
			diags = append(diags, errAt(target.Pos, "invalid-variable", fmt.Sprintf("invalid variable name %q", target.Value)))
			continue
		}
		idx, err := r.declare(target.Value[1:], target.Pos)
		if err != nil {
			diags = append(diags, err.(nginxconf.Diagnostic))
			continue
		}
		maps = append(maps, pending{d, idx})
	}
	for _, p := range maps {
		m, ds := r.buildMap(p.d)
		diags = append(diags, ds...)
		if m == nil {
			continue
		}
		v := &r.vars[p.idx]
		v.mapv = m
		v.get = getMap
		if m.volatile() {
			v.flags |= flagNoCache
		}
	}
	return diags
}

func errAt(pos nginxconf.Pos, code, msg string) nginxconf.Diagnostic {
	return nginxconf.Diagnostic{Pos: pos, Severity: nginxconf.SevError, Code: code, Message: msg}
}

// volatile reports whether the map said "volatile".
func (m *mapVar) volatile() bool { return m.isVolatile }

// buildMap compiles one map block; nil when it has errors (nginx refuses
// the whole configuration).
func (r *Registry) buildMap(d *nginxconf.Directive) (*mapVar, []nginxconf.Diagnostic) {
	var diags []nginxconf.Diagnostic
	src, err := r.Compile(d.Args[0].Value, d.Args[0].Pos)
	if err != nil {
		return nil, []nginxconf.Diagnostic{err.(nginxconf.Diagnostic)}
	}
	m := &mapVar{source: src, keys: NewHostTable[*Template](), pos: d.Pos}
	// Values are deduplicated like nginx's values_hash: one template per
	// distinct string.
	values := map[string]*Template{}
	failed := false
	for _, e := range d.Body() {
		if e.IsBlock {
			diags = append(diags, errAt(e.Pos, "syntax", `unexpected "{"`))
			failed = true
			continue
		}
		key := e.Name
		nargs := 1 + len(e.Args)
		if nargs == 1 && key == "hostnames" {
			m.hostnames = true
			continue
		}
		if nargs == 1 && key == "volatile" {
			m.isVolatile = true
			continue
		}
		if nargs != 2 {
			diags = append(diags, errAt(e.Pos, "map-params", "invalid number of the map parameters"))
			failed = true
			continue
		}
		if key == "include" {
			// The parser expanded includes it could read; a leftover one
			// was reported by the parser already.
			continue
		}
		// A regex key is compiled before its value so that the value may use
		// the regex's named captures (nginx resolves names only at the end).
		var re *Regex
		if strings.HasPrefix(key, "~") {
			pattern, caseless := key[1:], false
			if strings.HasPrefix(pattern, "*") {
				pattern, caseless = pattern[1:], true
			}
			var ds []nginxconf.Diagnostic
			re, ds = r.CompileRegex(pattern, caseless, e.Pos)
			diags = append(diags, ds...)
			if re == nil {
				failed = true
				continue
			}
		}
		raw := e.Args[0]
		val, ok := values[raw.Value]
		if !ok {
			t, err := r.Compile(raw.Value, raw.Pos)
			if err != nil {
				diags = append(diags, err.(nginxconf.Diagnostic))
				failed = true
				continue
			}
			values[raw.Value] = t
			val = t
		}
		if re != nil {
			m.regexes = append(m.regexes, mapRegex{re: re, value: val})
			continue
		}
		if key == "default" {
			if m.def != nil {
				diags = append(diags, errAt(e.Pos, "map-duplicate-default", "duplicate default map parameter"))
				failed = true
				continue
			}
			m.def = val
			continue
		}
		key = strings.TrimPrefix(key, `\`)
		var kerr error
		if m.hostnames {
			kerr = m.keys.AddKey(key, val)
		} else {
			kerr = m.keys.AddExact(key, val)
		}
		if kerr != nil {
			code := "map-conflict"
			if ke, ok := kerr.(*KeyError); ok && !ke.Conflict {
				code = "map-invalid-key"
			}
			diags = append(diags, errAt(e.Pos, code, kerr.Error()))
			failed = true
		}
	}
	if failed {
		return nil, diags
	}
	return m, diags
}

// getMap evaluates a map target: the source is evaluated and lowercased,
// looked up exact → wildcards (hostnames) → regexes in order (only for a
// non-empty source) → default, and the chosen value is evaluated.
func getMap(q *Request, v *variable, dst []byte) ([]byte, bool) {
	m := v.mapv
	src := q.evalTemp(m.source)
	if m.hostnames && len(src) > 0 && src[len(src)-1] == '.' {
		src = src[:len(src)-1]
	}
	val := m.lookup(q, src)
	if val == nil {
		return dst, true
	}
	return val.Eval(q, dst), true
}

// lookup finds the value for src without allocating on the hash paths.
func (m *mapVar) lookup(q *Request, src []byte) *Template {
	low := src
	for i, c := range src {
		if c >= 'A' && c <= 'Z' {
			// Copy: src is the evaluated source and regexes need it as is.
			low = append(append(q.lowerBuf[:0], src[:i]...), src[i:]...)
			for j := i; j < len(low); j++ {
				if low[j] >= 'A' && low[j] <= 'Z' {
					low[j] |= 0x20
				}
			}
			q.lowerBuf = low
			break
		}
	}
	if t, ok := m.keys.Find(low); ok {
		return t
	}
	if len(src) > 0 {
		for i := range m.regexes {
			if q.MatchRegex(m.regexes[i].re, src) {
				return m.regexes[i].value
			}
		}
	}
	return m.def
}
