package static

import (
	"bytes"
	"errors"
	"io/fs"
	"math/rand/v2"
	"strconv"
	"syscall"

	"sliceproxy/proxy/http1"
	"sliceproxy/vars"
)

// Resolve decides how nginx's try_files, index and static handlers, the
// not_modified, headers and range filters would answer req in this
// location, and fills res (Reset first, but for res.Overridden). req's URI and Args are the
// current, normalised ones ($uri, $args); Client gives the method and the
// request headers. When try_files picks a file, req.URI is updated as
// nginx updates r->uri, so $uri in later templates and logs sees it.
func (c *Config) Resolve(req *vars.Request, res *Result) {
	overridden := res.Overridden
	res.Reset()
	res.Overridden = overridden
	uri := req.URI
	addURIToAlias := false
	if c.tryFiles != nil {
		var done bool
		uri, addURIToAlias, done = c.runTryFiles(req, res)
		if done {
			return
		}
		// Copy into req's own buffer: uri lives in res, which the caller
		// resets independently of req.
		req.URI = append(req.URI[:0], uri...)
		uri = req.URI
	}
	res.servedBuf = append(res.servedBuf[:0], uri...)
	res.URI = res.servedBuf
	uri = res.servedBuf
	if len(uri) > 0 && uri[len(uri)-1] == '/' {
		c.runIndex(req, res, uri, addURIToAlias)
		return
	}
	c.serveFile(req, res, uri, addURIToAlias)
}

// mapPath is ngx_http_map_uri_to_path: root + URI, or alias + the URI
// past the location prefix; a regex-location alias is the whole path
// unless try_files asked to append the URI.
func (c *Config) mapPath(req *vars.Request, dst, uri []byte, addURIToAlias bool) []byte {
	dst = c.rootPath(req, dst)
	switch {
	case c.alias == aliasWhole:
		if addURIToAlias {
			dst = append(dst, uri...)
		}
	case c.alias > 0:
		if c.alias <= len(uri) {
			dst = append(dst, uri[c.alias:]...)
		}
	default:
		dst = append(dst, uri...)
	}
	return dst
}

// rootPath appends the evaluated root (or alias) value; a scripted one that
// came out relative is made absolute against the prefix (ngx_get_full_name).
func (c *Config) rootPath(req *vars.Request, dst []byte) []byte {
	start := len(dst)
	dst = c.root.eval(req, dst)
	if c.rootConst || c.prefix == "" || (len(dst) > start && dst[start] == '/') {
		return dst
	}
	var tmp [256]byte
	rel := append(tmp[:0], dst[start:]...)
	dst = append(dst[:start], c.prefix...)
	if dst[len(dst)-1] != '/' {
		dst = append(dst, '/')
	}
	return append(dst, rel...)
}

// Errors behind results that nginx logs without an errno.
var (
	ErrIndexForbidden = errors.New("directory index is forbidden")
	ErrNotDirectory   = errors.New("not a directory")
	ErrNotRegular     = errors.New("not a regular file")
)

func (c *Config) redirect(res *Result, uri, args []byte) {
	res.Kind, res.URI, res.Args = KindRedirect, uri, args
}

// fail records an error status for the core to answer.
func (c *Config) fail(res *Result, status int, level string, err error) {
	res.Kind, res.Status, res.Err = KindStatus, status, err
	if status == 404 && !c.logNotFound {
		level = ""
	}
	res.LogLevel = level
	res.logMsg = ""
}

// serveFile is ngx_http_static_handler plus the filters that act on its
// response: not_modified (304/412), headers (expires, add_header) and
// range (206/416).
func (c *Config) serveFile(req *vars.Request, res *Result, uri []byte, addURIToAlias bool) {
	method := methodOf(req)
	if method != "GET" && method != "HEAD" && method != "POST" {
		c.fail(res, 405, "", nil)
		return
	}
	res.pathBuf = c.mapPath(req, res.pathBuf[:0], uri, addURIToAlias)
	res.Path = string(res.pathBuf)
	if bytes.IndexByte(uri, 0) >= 0 || unsafeName(uri) || bytes.IndexByte(res.pathBuf, 0) >= 0 {
		// nginx declines (zero_in_uri) and the core answers 404; a ".."
		// segment cannot come from a normalised URI but is refused anyway.
		c.fail(res, 404, "", nil)
		return
	}
	f, err := c.openFile(req, res.Path)
	var st fs.FileInfo
	if err == nil {
		st, err = f.Stat()
		if err != nil {
			_ = f.Close()
		}
	}
	if err != nil {
		switch {
		case isNotFound(err):
			c.fail(res, 404, "error", err)
		case errors.Is(err, syscall.EACCES), isSymlinkRefusal(err):
			c.fail(res, 403, "error", err)
		default:
			c.fail(res, 500, "crit", err)
		}
		return
	}
	if st.IsDir() {
		_ = f.Close()
		c.fail(res, 301, "", nil)
		loc := res.alloc(len(uri) + 2 + len(req.Args))
		loc = append(append(loc, uri...), '/')
		if len(req.Args) > 0 {
			loc = append(append(loc, '?'), req.Args...)
		}
		res.addHeader(hLocation, loc)
		return
	}
	if !st.Mode().IsRegular() {
		_ = f.Close()
		c.fail(res, 404, "crit", ErrNotRegular)
		res.logMsg = "\"" + res.Path + "\" is not a regular file"
		return
	}
	if method == "POST" {
		_ = f.Close()
		c.fail(res, 405, "", nil)
		return
	}

	res.Kind, res.Status, res.File = KindFile, 200, f
	res.Size = st.Size()
	res.LastModified = st.ModTime().Unix()
	res.BodyLength = res.Size

	ctype := c.contentType(uri)
	var etag []byte
	if c.etag {
		etag = appendETag(res.alloc(34), res.LastModified, res.Size)
	}

	var hdr *http1.Header
	if req.Client != nil {
		hdr = &req.Client.Header
	}
	conds := conditionalsOf(hdr)
	outcome := 200
	if !res.Overridden {
		outcome = evaluateConditionals(&conds, conditionalFacts{lastModified: res.LastModified, etag: etag}, c.ims)
	}
	switch outcome {
	case 412:
		_ = res.Close()
		c.fail(res, 412, "", nil)
		return
	case 304:
		_ = res.Close()
		res.Status, res.BodyLength = 304, 0
		res.addHeader(hLastModified, AppendHTTPTime(res.alloc(29), res.LastModified))
		if etag != nil {
			res.addHeader(hETag, etag)
		}
		c.applyHeaderFilter(req, res, 304)
		return
	}

	// The headers filter runs before the range filter, with status 200:
	// its headers stay on a 206 and even on a 416 (nginx does the same).
	rangeStatus := 200
	var rangeHeader []byte
	if c.maxRanges > 0 && hdr != nil && !res.Overridden {
		if v, ok := hdr.Get("Range"); ok && ifRangeAllows(hdr, etag, res.LastModified) {
			rangeHeader = v
		}
	}
	if rangeHeader != nil {
		var ro RangeOutcome
		res.Ranges, ro = ParseRange(rangeHeader, res.Size, c.maxRanges, res.Ranges)
		switch ro {
		case RangePartial:
			rangeStatus = 206
		case RangeNotSatisfiable:
			rangeStatus = 416
		}
	}

	switch rangeStatus {
	case 200:
		res.Ranges = res.Ranges[:0]
		if len(ctype) > 0 {
			res.addHeader(hContentType, ctype)
		}
		res.addHeader(hContentLength, strconv.AppendInt(res.alloc(20), res.Size, 10))
		res.addHeader(hLastModified, AppendHTTPTime(res.alloc(29), res.LastModified))
		if etag != nil {
			res.addHeader(hETag, etag)
		}
		c.applyHeaderFilter(req, res, 200)
		if c.maxRanges > 0 {
			res.addHeader(hAcceptRanges, vBytes)
		}
	case 206:
		res.Status = 206
		if len(res.Ranges) == 1 {
			if len(ctype) > 0 {
				res.addHeader(hContentType, ctype)
			}
			res.BodyLength = res.Ranges[0].Len()
		} else {
			res.ctype = ctype
			// nginx's boundary is a number zero-padded to 20 digits.
			res.boundary = appendZeroPadded(res.alloc(20), rand.Uint64(), 20)
			mp := append(res.alloc(64), "multipart/byteranges; boundary="...)
			res.addHeader(hContentType, append(mp, res.boundary...))
			res.BodyLength = res.multipartLength()
		}
		res.addHeader(hContentLength, strconv.AppendInt(res.alloc(20), res.BodyLength, 10))
		res.addHeader(hLastModified, AppendHTTPTime(res.alloc(29), res.LastModified))
		if etag != nil {
			res.addHeader(hETag, etag)
		}
		c.applyHeaderFilter(req, res, 200)
		if len(res.Ranges) == 1 {
			res.addHeader(hContentRange, appendContentRange(res.alloc(64), res.Ranges[0], res.Size))
		}
	case 416:
		_ = res.Close()
		c.applyHeaderFilter(req, res, 200)
		c.fail(res, 416, "", nil)
		cr := append(res.alloc(32), "bytes */"...)
		res.addHeader(hContentRange, strconv.AppendInt(cr, res.Size, 10))
		res.Ranges = res.Ranges[:0]
	}
}

// ifRangeAllows is the If-Range test of the range filter: a quoted value
// must equal the ETag, anything else must be the exact Last-Modified time.
func ifRangeAllows(h *http1.Header, etag []byte, lastModified int64) bool {
	v, ok := h.Get("If-Range")
	if !ok {
		return true
	}
	if len(v) >= 2 && v[len(v)-1] == '"' {
		return etag != nil && bytes.Equal(v, etag)
	}
	if lastModified == -1 {
		return false
	}
	t, ok := ParseHTTPTime(v)
	return ok && t == lastModified
}

func conditionalsOf(h *http1.Header) conditionalHeaders {
	var c conditionalHeaders
	if h == nil {
		return c
	}
	c.ifModifiedSince, c.hasIMS = h.Get("If-Modified-Since")
	c.ifUnmodifiedSince, c.hasIUMS = h.Get("If-Unmodified-Since")
	c.ifMatch, c.hasIM = h.Get("If-Match")
	c.ifNoneMatch, c.hasINM = h.Get("If-None-Match")
	return c
}

func methodOf(req *vars.Request) string {
	if req.Client == nil || len(req.Client.Method) == 0 {
		return "GET"
	}
	switch string(req.Client.Method) { // no allocation: compared, not stored
	case "GET":
		return "GET"
	case "HEAD":
		return "HEAD"
	case "POST":
		return "POST"
	}
	return "OTHER"
}

// contentType is ngx_http_set_content_type: the type of the URI's
// extension, else default_type.
func (c *Config) contentType(uri []byte) []byte {
	if ext := extension(uri); len(ext) > 0 {
		if ct, ok := c.types.lookupBytes(ext); ok {
			return ct
		}
	}
	return c.defTypeBytes()
}

func isNotFound(err error) bool {
	return errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.ENAMETOOLONG)
}

// unsafeName reports a ".." path segment. Normalised URIs never have one,
// but try_files and index names built from variables ($arg_x) could, and
// nginx would follow them out of the root; we refuse (see Deviations).
func unsafeName(p []byte) bool {
	for i := 0; i+1 < len(p); i++ {
		if p[i] == '.' && p[i+1] == '.' && (i == 0 || p[i-1] == '/') && (i+2 == len(p) || p[i+2] == '/') {
			return true
		}
	}
	return false
}

// DocumentRoot appends nginx's $document_root for this location: the root
// or alias value, evaluated and made absolute. The core stores it in
// vars.Facts.DocumentRoot when it enters the location.
func (c *Config) DocumentRoot(req *vars.Request, dst []byte) []byte {
	return c.mapPath(req, dst, nil, false)
}

// RequestFilename appends nginx's $request_filename: the file system path
// the current URI maps to in this location (root + URI, or alias + the
// rest of the URI).
func (c *Config) RequestFilename(req *vars.Request, dst []byte) []byte {
	return c.mapPath(req, dst, req.URI, false)
}

// appendZeroPadded appends v in decimal, left-padded with zeros to width.
func appendZeroPadded(dst []byte, v uint64, width int) []byte {
	var digits [20]byte
	d := strconv.AppendUint(digits[:0], v, 10)
	for i := len(d); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, d...)
}
