package static

import (
	"bytes"
	"errors"
	"os"
	"syscall"

	"sliceproxy/vars"
)

// runIndex is ngx_http_index_handler followed by the core's "directory
// index is forbidden" 403 (autoindex is not supported).
func (c *Config) runIndex(req *vars.Request, res *Result, uri []byte, addURIToAlias bool) {
	tested := false
	dir := c.mapPath(req, res.pathBuf[:0], uri, addURIToAlias)
	res.pathBuf = dir
	dirLen := len(dir)
	if bytes.IndexByte(uri, 0) >= 0 || unsafeName(uri) {
		c.fail(res, 404, "", nil)
		return
	}
	for _, idx := range c.index {
		if idx.tmpl == nil && idx.lit[0] == '/' {
			c.redirect(res, []byte(idx.lit), req.Args)
			return
		}
		res.nameBuf = idx.eval(req, res.nameBuf[:0])
		name := res.nameBuf
		if len(name) > 0 && name[0] == '/' {
			c.redirect(res, name, req.Args)
			return
		}
		if unsafeName(name) {
			continue
		}
		res.pathBuf = append(res.pathBuf[:dirLen], name...)
		res.Path = string(res.pathBuf)
		f, err := os.Open(res.Path)
		if err != nil {
			if errors.Is(err, syscall.ENOTDIR) {
				c.fail(res, 404, "error", err)
				res.logMsg = "\"" + res.Path + "\" is not found" + errnoSuffix(err)
				return
			}
			if errors.Is(err, syscall.EACCES) {
				c.fail(res, 403, "error", err)
				res.logMsg = "\"" + res.Path + "\" is forbidden" + errnoSuffix(err)
				return
			}
			if !tested {
				dirPath := string(res.pathBuf[:max(dirLen-1, 0)])
				st, serr := os.Stat(dirPath)
				switch {
				case serr != nil && errors.Is(serr, syscall.ENOENT):
					// nginx names the index file it tried, not the directory.
					c.fail(res, 404, "error", serr)
					res.logMsg = "\"" + res.Path + "\" is not found" + errnoSuffix(serr)
					return
				case serr != nil:
					c.fail(res, 500, "crit", serr)
					res.logMsg = "stat() \"" + dirPath + "\" failed" + errnoSuffix(serr)
					return
				case !st.IsDir():
					c.fail(res, 500, "alert", ErrNotDirectory)
					res.logMsg = "\"" + dirPath + "\" is not a directory"
					return
				}
				tested = true
			}
			if errors.Is(err, syscall.ENOENT) {
				continue
			}
			c.fail(res, 500, "error", err)
			return
		}
		_ = f.Close()
		u := append(res.uriBuf[:0], uri...)
		c.redirect(res, append(u, name...), req.Args)
		return
	}
	// Every index was missing: nginx's content phase forbids listing.
	res.Path = string(res.pathBuf[:dirLen])
	c.fail(res, 403, "error", ErrIndexForbidden)
	res.logMsg = "directory index of \"" + res.Path + "\" is forbidden"
}
