// Package auth is nginx's ngx_http_auth_basic_module: auth_basic and
// auth_basic_user_file, checked in the access phase (see proxy's
// s1_access.go for how it combines with allow/deny under "satisfy").
//
// Like nginx, the realm and the user file are evaluated per request
// (variables allowed), and the user file is read per request: a change to
// it applies to the next request without a reload. FileCache avoids
// re-reading an unchanged file (same size and mtime).
//
// Password hashes: {PLAIN}, {SHA}, {SSHA}, $apr1$, $1$, $5$, $6$, bcrypt
// ($2a$/$2b$/$2y$) and traditional DES are verified here; BSDi extended
// DES ("_..."), which nginx on glibc also accepts, is not: such a user gets
// a 500 and an error log line naming the scheme (see ErrUnsupportedScheme),
// and a constant user file is checked for them at load.
package auth

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"sliceproxy/nginxconf"
	"sliceproxy/proxy/accesslog"
	"sliceproxy/vars"
)

// Basic is the merged auth_basic setting of one level. A nil *Basic, or
// one missing the realm or the user file, asks for nothing (nginx's
// NGX_DECLINED).
type Basic struct {
	realm    *vars.Template
	userFile *vars.Template
	opt      Options
}

// Options are the load-wide settings every level shares.
type Options struct {
	// ConfDir is nginx's conf_prefix: a relative user file path is taken
	// from the directory of the main configuration file.
	ConfDir string
	// Files caches user files between requests (nil: read every time).
	// The loader makes one per Runtime.
	Files *FileCache
}

// Merge applies one level's auth_basic and auth_basic_user_file on top of
// the inherited setting: each directive is inherited separately
// (ngx_http_auth_basic_merge_loc_conf). It returns parent unchanged when
// the level sets neither.
func Merge(parent *Basic, level []*nginxconf.Directive, reg *vars.Registry, opt Options) (*Basic, []nginxconf.Diagnostic) {
	var (
		out   *Basic
		diags []nginxconf.Diagnostic
	)
	for _, d := range level {
		if d.Name != "auth_basic" && d.Name != "auth_basic_user_file" {
			continue
		}
		if len(d.Args) != 1 {
			diags = append(diags, nginxconf.Diagnostic{Pos: d.Pos, Severity: nginxconf.SevError, Code: "auth",
				Message: fmt.Sprintf("invalid number of arguments in %q directive", d.Name)})
			continue
		}
		t, err := reg.Compile(d.Args[0].Value, d.Args[0].Pos)
		if err != nil {
			diags = append(diags, asDiagnostic(err, d))
			continue
		}
		if out == nil {
			out = &Basic{opt: opt}
			if parent != nil {
				*out = *parent
			}
		}
		if d.Name == "auth_basic" {
			out.realm = t
		} else {
			out.userFile = t
			diags = append(diags, out.lintUserFile(d)...)
		}
	}
	if out == nil {
		return parent, diags
	}
	return out, diags
}

func asDiagnostic(err error, d *nginxconf.Directive) nginxconf.Diagnostic {
	var diag nginxconf.Diagnostic
	if errors.As(err, &diag) {
		return diag
	}
	return nginxconf.Diagnostic{Pos: d.Pos, Severity: nginxconf.SevError, Code: "auth", Message: err.Error()}
}

// lintUserFile warns at load about users whose hash sliceproxy cannot
// verify, when the file name is constant and the file readable now (nginx
// reads it per request, so a missing file is not a load error).
func (b *Basic) lintUserFile(d *nginxconf.Directive) []nginxconf.Diagnostic {
	if !b.userFile.IsConst() {
		return nil
	}
	path := b.path(nil)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var diags []nginxconf.Diagnostic
	for _, user := range UnsupportedUsers(data) {
		diags = append(diags, nginxconf.Diagnostic{Pos: d.Pos, Severity: nginxconf.SevWarning, Code: "auth",
			Message: fmt.Sprintf(`user "%s" in "%s" has a BSDi extended DES crypt hash, which sliceproxy does not verify: the user gets 500`, user, path),
			Hint:    "rehash the password, e.g. htpasswd -B (bcrypt) or openssl passwd -apr1"})
	}
	return diags
}

// Enabled reports whether both directives are in force, so that the level
// may ask for a password (the realm may still evaluate to "off").
func (b *Basic) Enabled() bool {
	return b != nil && b.realm != nil && b.userFile != nil
}

// Outcome is what the auth_basic handler decided.
type Outcome uint8

const (
	// Declined: auth_basic is off or unset; the handler has no opinion.
	Declined Outcome = iota
	// Passed: the user and password match the file.
	Passed
	// Refused: no or wrong credentials; answer Status 401 with Challenge.
	Refused
	// Failed: the user file could not be used; answer Status (403 when it
	// does not exist, as nginx, else 500).
	Failed
)

// Result is one request's answer from the auth_basic handler, with the
// error log line nginx writes for it.
type Result struct {
	Outcome Outcome
	Status  int
	// Challenge is the WWW-Authenticate value for a 401:
	// `Basic realm="REALM"` (the realm is not escaped, as in nginx).
	Challenge []byte
	// LogLevel and LogMsg are the error log line ("" for none).
	LogLevel accesslog.Level
	LogMsg   string
}

// Check runs the auth_basic handler for a request. authorization is the
// request's Authorization header (nil when absent).
func (b *Basic) Check(req *vars.Request, authorization []byte) Result {
	if !b.Enabled() {
		return Result{Outcome: Declined}
	}
	realm := b.realm.Eval(req, nil)
	if string(realm) == "off" {
		return Result{Outcome: Declined}
	}
	user, password, ok := ParseAuthorization(authorization)
	if !ok {
		return refuse(realm, accesslog.LevelInfo, "no user/password was provided for basic authentication")
	}
	path := b.path(req)
	data, err := b.opt.Files.Read(path)
	if err != nil {
		return openFailed(path, err)
	}
	hash, found := FindUser(data, user)
	if !found {
		return refuse(realm, accesslog.LevelError, fmt.Sprintf(`user "%s" was not found in "%s"`, user, path))
	}
	match, err := Verify(password, hash)
	if err != nil {
		return Result{Outcome: Failed, Status: 500, LogLevel: accesslog.LevelError,
			LogMsg: fmt.Sprintf(`user "%s": %v`, user, err)}
	}
	if !match {
		return refuse(realm, accesslog.LevelError, fmt.Sprintf(`user "%s": password mismatch`, user))
	}
	return Result{Outcome: Passed}
}

// path evaluates auth_basic_user_file; a relative result is taken from the
// configuration directory (ngx_http_compile_complex_value's conf_prefix).
func (b *Basic) path(req *vars.Request) string {
	p := b.userFile.String(req)
	if strings.HasPrefix(p, "/") || b.opt.ConfDir == "" {
		return p
	}
	return strings.TrimSuffix(b.opt.ConfDir, "/") + "/" + p
}

func refuse(realm []byte, level accesslog.Level, msg string) Result {
	challenge := make([]byte, 0, len(`Basic realm=""`)+len(realm))
	challenge = append(challenge, `Basic realm="`...)
	challenge = append(challenge, realm...)
	challenge = append(challenge, '"')
	return Result{Outcome: Refused, Status: 401, Challenge: challenge, LogLevel: level, LogMsg: msg}
}

// openFailed mirrors nginx's handling of a user file it cannot open: a
// missing file is an error-level 403, anything else a crit-level 500.
func openFailed(path string, err error) Result {
	status, level := 500, accesslog.LevelCrit
	if errors.Is(err, fs.ErrNotExist) {
		status, level = 403, accesslog.LevelError
	}
	op := "open()"
	var pe *os.PathError
	if errors.As(err, &pe) && pe.Op == "read" {
		// ngx_read_file reads with pread(2).
		op = "pread()"
	}
	var errno syscall.Errno
	if !errors.As(err, &errno) && op == "pread()" {
		// A directory: read(2) fails with EISDIR in nginx.
		err = syscall.EISDIR
	}
	return Result{Outcome: Failed, Status: status, LogLevel: level,
		LogMsg: fmt.Sprintf(`%s "%s" failed (%s)`, op, path, accesslog.ErrnoText(err))}
}
