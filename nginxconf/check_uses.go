package nginxconf

// Use is one occurrence of a directive in a configuration with the table
// row that describes it there.
type Use struct {
	Directive *Directive
	Context   Context // where it appears
	// Spec is the row for the directive in Context; when the directive is
	// not allowed there, the first row of that name; nil when unknown.
	Spec    *Spec
	Allowed bool
}

// Uses lists every directive of cfg in file order, includes expanded, with
// its table row, in the contexts Check uses (a fragment is read in the
// context it was written for). The contents of map, types, geo and other
// data blocks are not directives and are not listed; Lua bodies are raw.
func Uses(cfg *Config) []Use {
	if cfg == nil || cfg.Main == nil {
		return nil
	}
	var out []Use
	var walk func(list []*Directive, ctx Context)
	walk = func(list []*Directive, ctx Context) {
		if ctx.Opaque() {
			return
		}
		eachStatement(list, func(d *Directive) {
			spec, ok := LookupIn(d.Name, ctx)
			out = append(out, Use{Directive: d, Context: ctx, Spec: spec, Allowed: ok})
			if spec == nil || !spec.Block || !d.IsBlock || spec.Opens == 0 {
				return
			}
			inner := spec.Opens
			if inner == CtxIf && ctx&(CtxServer|CtxSif) != 0 {
				inner = CtxSif
			}
			walk(d.Block, inner)
		})
	}
	walk(cfg.Main.Directives, FragmentContext(cfg))
	return out
}
