package nginxconf

import (
	"fmt"
	"strings"
)

// location is what nginx's ngx_http_core_location makes of a location's
// arguments: the name (the URI or regex, without the modifier) and its kind.
type location struct {
	name                 string
	exact, regex, named  bool
	badModifier, hasName bool
	modifierArg          Arg // the separate modifier argument, if any
}

// parseLocation reads "location [=|~|~*|^~] uri" and the glued forms
// ("=/x", "~*\.php$", "^~/static").
func parseLocation(d *Directive) location {
	var l location
	if len(d.Args) == 2 {
		l.modifierArg, l.name, l.hasName = d.Args[0], d.Args[1].Value, true
		switch d.Args[0].Value {
		case "=":
			l.exact = true
		case "^~":
		case "~", "~*":
			l.regex = true
		default:
			l.badModifier = true
		}
		return l
	}
	if len(d.Args) != 1 {
		return l
	}
	v := d.Args[0].Value
	l.hasName = true
	switch {
	case strings.HasPrefix(v, "="):
		l.name, l.exact = v[1:], true
	case strings.HasPrefix(v, "^~"):
		l.name = v[2:]
	case strings.HasPrefix(v, "~*"):
		l.name, l.regex = v[2:], true
	case strings.HasPrefix(v, "~"):
		l.name, l.regex = v[1:], true
	default:
		l.name, l.named = v, strings.HasPrefix(v, "@")
	}
	return l
}

// checkLocation reports what ngx_http_core_location refuses: an unknown
// modifier, and locations nested where nginx does not allow them.
func (c *checker) checkLocation(d *Directive, ctx Context) {
	l := parseLocation(d)
	if !l.hasName {
		return
	}
	if l.badModifier {
		c.add(l.modifierArg.Pos, SevError, CodeInvalidValue, fmt.Sprintf("invalid location modifier %q", l.modifierArg.Value),
			`the modifiers are "=", "~", "~*" and "^~"`)
		return
	}
	if ctx != CtxLocation || len(c.locations) == 0 {
		return
	}
	parent := c.locations[len(c.locations)-1]
	var msg string
	switch {
	case parent.exact:
		msg = fmt.Sprintf("location %q cannot be inside the exact location %q", l.name, parent.name)
	case parent.named:
		msg = fmt.Sprintf("location %q cannot be inside the named location %q", l.name, parent.name)
	case l.named:
		msg = fmt.Sprintf("named location %q can be on the server level only", l.name)
	case !l.regex && !strings.HasPrefix(l.name, parent.name):
		msg = fmt.Sprintf("location %q is outside location %q", l.name, parent.name)
	default:
		return
	}
	c.add(d.Pos, SevError, CodeContext, msg, "")
}
