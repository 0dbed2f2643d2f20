package static

import (
	"bytes"

	"sliceproxy/vars"
)

// runTryFiles is ngx_http_core_try_files_phase. It returns the URI to go
// on with, or done when res already holds the answer (a fallback).
func (c *Config) runTryFiles(req *vars.Request, res *Result) (uri []byte, addURIToAlias, done bool) {
	tf := c.tryFiles
	cur := req.URI
	for _, f := range tf.files {
		res.nameBuf = f.name.eval(req, res.nameBuf[:0])
		name := res.nameBuf
		if c.alias > 0 && c.alias != aliasWhole && c.alias <= len(cur) && bytes.HasPrefix(name, cur[:c.alias]) {
			name = name[c.alias:]
		}
		res.pathBuf = c.rootPath(req, res.pathBuf[:0])
		res.pathBuf = append(res.pathBuf, name...)
		res.Path = string(res.pathBuf)
		if unsafeName(name) {
			continue
		}
		st, err := c.statFile(req, res.Path)
		if err != nil {
			if !isNotFound(err) {
				res.LogLevel, res.logMsg = "crit", "stat() \""+res.Path+"\" failed"+errnoSuffix(err)
			}
			continue
		}
		if st.IsDir() != f.testDir {
			continue
		}
		switch {
		case c.alias == 0:
			return append(res.uriBuf[:0], name...), false, false
		case c.alias == aliasWhole:
			if f.testDir {
				return cur, false, false
			}
			return append(res.uriBuf[:0], name...), true, false
		default:
			u := append(res.uriBuf[:0], cur[:min(c.alias, len(cur))]...)
			return append(u, name...), false, false
		}
	}
	res.LogLevel, res.logMsg = "", ""
	if tf.code != 0 {
		res.Kind, res.Status = KindStatus, tf.code
		return nil, false, true
	}
	res.nameBuf = tf.fallback.eval(req, res.nameBuf[:0])
	fb := res.nameBuf
	if len(fb) > 0 && fb[0] == '@' {
		res.Kind, res.Name = KindNamed, string(fb)
		return nil, false, true
	}
	// ngx_http_split_args: the fallback's own "?args" replace the request's;
	// without "?" the redirect carries no arguments, as in nginx.
	res.Kind = KindRedirect
	if i := bytes.IndexByte(fb, '?'); i >= 0 {
		res.URI, res.Args = fb[:i], fb[i+1:]
	} else {
		res.URI, res.Args = fb, nil
	}
	return nil, false, true
}
