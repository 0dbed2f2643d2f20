package static

import (
	"path/filepath"
	"strconv"
	"strings"

	"sliceproxy/nginxconf"
)

func parseFlag(d *nginxconf.Directive, errorf errorfFunc) (bool, bool) {
	if len(d.Args) != 1 {
		return false, false
	}
	on, err := nginxconf.ParseFlag(d.Args[0].Value)
	if err != nil {
		errorf(d, "invalid-value", `invalid value "%s" in "%s" directive, it must be "on" or "off"`, d.Args[0].Value, d.Name)
		return false, false
	}
	return on, true
}

// root handles "root" and "alias" (ngx_http_core_root).
func (b *Builder) root(c *Config, d *nginxconf.Directive, lvl Level, errorf errorfFunc, compile compileFunc) {
	if len(d.Args) != 1 {
		return
	}
	isAlias := d.Name == "alias"
	if c.rootSet {
		if (c.alias != 0) == isAlias {
			errorf(d, "duplicate", `"%s" directive is duplicate`, d.Name)
		} else {
			other := "root"
			if c.alias != 0 {
				other = "alias"
			}
			errorf(d, "duplicate", `"%s" directive is duplicate, "%s" directive was specified earlier`, d.Name, other)
		}
		return
	}
	if isAlias && lvl.Named {
		errorf(d, "context", `the "alias" directive cannot be used inside the named location`)
		return
	}
	arg := d.Args[0]
	if strings.Contains(arg.Value, "$document_root") || strings.Contains(arg.Value, "$realpath_root") {
		errorf(d, "invalid-value", `the $document_root variable cannot be used in the "%s" directive`, d.Name)
		return
	}
	path := arg.Value
	if !isAlias && len(path) > 1 && path[len(path)-1] == '/' {
		path = path[:len(path)-1] // nginx drops a root's trailing slash
	}
	if !hasVariables(path) {
		path = b.fullName(path)
	}
	// A scripted root is made absolute at request time (ngx_get_full_name),
	// since only its value tells whether it is relative.
	c.prefix = b.opt.Prefix
	v, ok := compile(d, nginxconf.Arg{Value: path, Pos: arg.Pos, Quoted: arg.Quoted})
	if !ok {
		return
	}
	c.root, c.rootSet, c.rootConst = v, true, v.tmpl == nil
	c.alias = 0
	if isAlias {
		c.alias = len(lvl.Location)
		if lvl.Regex {
			c.alias = aliasWhole
		}
	}
}

func (b *Builder) fullName(p string) string {
	if p == "" || filepath.IsAbs(p) || b.opt.Prefix == "" {
		return p
	}
	return strings.TrimSuffix(b.opt.Prefix, "/") + "/" + p
}

// tryFiles compiles try_files (ngx_http_core_try_files).
func (b *Builder) tryFiles(d *nginxconf.Directive, errorf errorfFunc, compile compileFunc) *tryFiles {
	if len(d.Args) < 2 {
		return nil
	}
	tf := &tryFiles{}
	last := len(d.Args) - 1
	for i, a := range d.Args {
		if i == last {
			break
		}
		name := a.Value
		testDir := false
		if name != "" && name[len(name)-1] == '/' {
			testDir = true
			name = name[:len(name)-1]
		}
		v, ok := compile(d, nginxconf.Arg{Value: name, Pos: a.Pos, Quoted: a.Quoted})
		if !ok {
			return nil
		}
		tf.files = append(tf.files, tryFile{name: v, testDir: testDir})
	}
	fb := d.Args[last]
	if strings.HasPrefix(fb.Value, "=") {
		code, err := strconv.Atoi(fb.Value[1:])
		if err != nil || code < 200 || code > 999 {
			errorf(d, "invalid-value", `invalid code "%s"`, fb.Value)
			return nil
		}
		tf.code = code
		return tf
	}
	v, ok := compile(d, fb)
	if !ok {
		return nil
	}
	tf.fallback = v
	return tf
}

// expires handles "expires [modified] TIME|epoch|max|off".
func (b *Builder) expires(c *Config, d *nginxconf.Directive, errorf errorfFunc, compile compileFunc) {
	if c.expiresSet {
		errorf(d, "duplicate", `"expires" directive is duplicate`)
		return
	}
	if len(d.Args) < 1 || len(d.Args) > 2 {
		return
	}
	modified := false
	arg := d.Args[0]
	if len(d.Args) == 2 {
		if d.Args[0].Value != "modified" {
			errorf(d, "invalid-value", `"expires" directive invalid value`)
			return
		}
		modified, arg = true, d.Args[1]
	}
	c.expiresSet = true
	if hasVariables(arg.Value) {
		v, ok := compile(d, arg)
		if !ok {
			return
		}
		c.expiresValue = &v
		c.expires = Expires{Mode: ExpiresAccess}
		if modified {
			c.expires.Mode = ExpiresModified
		}
		return
	}
	e, err := parseExpires(arg.Value, modified)
	if err != nil {
		errorf(d, "invalid-value", `"expires" directive %s`, err)
		return
	}
	c.expires = e
}

// disableSymlinks handles "disable_symlinks off|on|if_not_owner [from=PART]".
func (b *Builder) disableSymlinks(c *Config, d *nginxconf.Directive, errorf, warnf errorfFunc, compile compileFunc) {
	if len(d.Args) < 1 || len(d.Args) > 2 {
		return
	}
	if c.symlinksSet {
		errorf(d, "duplicate", `"disable_symlinks" directive is duplicate`)
		return
	}
	mode := symlinksFollow
	switch d.Args[0].Value {
	case "off":
	case "on":
		mode = symlinksRefuse
	case "if_not_owner":
		mode = symlinksRefuse
		warnf(d, "unsupported", `"disable_symlinks if_not_owner" is enforced as "on": no symbolic link is followed`)
	default:
		errorf(d, "invalid-value", `invalid value "%s" in "disable_symlinks" directive, it must be "off", "on" or "if_not_owner"`, d.Args[0].Value)
		return
	}
	var from *value
	if len(d.Args) == 2 {
		a := d.Args[1]
		if !strings.HasPrefix(a.Value, "from=") || mode == symlinksFollow {
			errorf(d, "invalid-value", `invalid parameter "%s"`, a.Value)
			return
		}
		fromValue := a.Value[len("from="):]
		if fromValue == "$document_root" {
			// The usual idiom: this location's own root, computed here
			// rather than through a variable the core may not have set.
			from = &value{docRoot: true}
		} else {
			v, ok := compile(d, nginxconf.Arg{Value: fromValue, Pos: a.Pos, Quoted: a.Quoted})
			if !ok {
				return
			}
			from = &v
		}
	}
	c.symlinks, c.symlinksFrom, c.symlinksSet = mode, from, true
}
