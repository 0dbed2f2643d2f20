package nginxconf

import (
	"fmt"
	"strings"
)

// values checks argument syntax for directives whose Spec names a value
// kind, with the messages nginx's slot functions produce.
func (c *checker) values(d *Directive, spec *Spec) {
	if spec.Value == ValNone || len(d.Args) == 0 {
		return
	}
	a := d.Args[0]
	var err error
	switch spec.Value {
	case ValFlag:
		if _, err := ParseFlag(a.Value); err != nil {
			c.add(a.Pos, SevError, CodeInvalidValue,
				fmt.Sprintf("invalid value %q in %q directive, it must be \"on\" or \"off\"", a.Value, d.Name), "")
		}
		return
	case ValEnum:
		for _, w := range spec.Enum {
			if strings.EqualFold(w, a.Value) {
				return
			}
		}
		c.add(a.Pos, SevError, CodeInvalidValue, fmt.Sprintf("invalid value %q", a.Value),
			fmt.Sprintf("%q takes one of: %s", d.Name, strings.Join(spec.Enum, ", ")))
		return
	case ValBitmask:
		c.bitmaskValues(d, spec)
		return
	case ValNum:
		if _, err := ParseInt(a.Value); err != nil {
			c.add(a.Pos, SevError, CodeInvalidValue, fmt.Sprintf("%q directive invalid number", d.Name),
				fmt.Sprintf("%q is not a non-negative integer", a.Value))
		}
		return
	case ValSize:
		_, err = ParseSize(a.Value)
	case ValOffset:
		_, err = ParseOffset(a.Value)
	case ValMsec:
		_, err = ParseMsec(a.Value)
	case ValSec:
		_, err = ParseSec(a.Value)
	}
	if err != nil {
		c.add(a.Pos, SevError, CodeInvalidValue, fmt.Sprintf("%q directive invalid value", d.Name), valueHint(spec.Value, a.Value))
	}
}

// bitmaskValues checks each argument of a bitmask directive as
// ngx_conf_set_bitmask_slot: an unknown word is an error, a repeated one a
// warning (words are case-insensitive).
func (c *checker) bitmaskValues(d *Directive, spec *Spec) {
	seen := map[string]bool{}
	for _, a := range d.Args {
		word := ""
		for _, w := range spec.Enum {
			if strings.EqualFold(w, a.Value) {
				word = w
			}
		}
		switch {
		case word == "":
			c.add(a.Pos, SevError, CodeInvalidValue, fmt.Sprintf("invalid value %q", a.Value),
				fmt.Sprintf("%q takes any of: %s", d.Name, strings.Join(spec.Enum, ", ")))
		case seen[word]:
			c.add(a.Pos, SevWarning, CodeInvalidValue, fmt.Sprintf("duplicate value %q", a.Value), "")
		}
		seen[word] = true
	}
}

func valueHint(kind ValueKind, v string) string {
	switch kind {
	case ValSize:
		return fmt.Sprintf("%q is not a size: a number with an optional k or m suffix", v)
	case ValOffset:
		return fmt.Sprintf("%q is not a size: a number with an optional k, m or g suffix", v)
	case ValMsec:
		return fmt.Sprintf("%q is not a time: e.g. 500ms, 30s, 1h30m (units ms s m h d w, largest first)", v)
	case ValSec:
		return fmt.Sprintf("%q is not a time: e.g. 30s, 12h, 1d (units s m h d w M y, largest first)", v)
	}
	return ""
}
