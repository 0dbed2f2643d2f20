package rewrite

import (
	"io/fs"
	"os"

	"sliceproxy/nginxconf"
	"sliceproxy/vars"
)

// Script is the compiled rewrite-module directives of one server or
// location block, the if blocks inside it included. It is immutable (If
// payloads aside, filled by the caller before serving) and safe for
// concurrent use. A nil *Script runs as an empty one.
type Script[T any] struct {
	ops []op[T]
	ifs []*If[T]
}

// If is an if block. Its configuration (the directives other than the
// rewrite module's, in Directive.Body()) is the caller's: it builds it into
// Payload, as nginx builds the if block's location configuration.
type If[T any] struct {
	Directive *nginxconf.Directive
	// InServer is set for an if in a server block: nginx gives those no
	// configuration of their own (location search replaces it anyway).
	InServer bool
	Payload  T
}

// Ifs lists the script's if blocks in configuration order.
func (s *Script[T]) Ifs() []*If[T] {
	if s == nil {
		return nil
	}
	return s.ifs
}

// Empty reports whether the script has nothing to run.
func (s *Script[T]) Empty() bool { return s == nil || len(s.ops) == 0 }

// FS is what the -f, -d, -e and -x tests look at. Stat follows symbolic
// links, as nginx's open_file_cache does with disable_symlinks off.
type FS interface {
	Stat(name string) (fs.FileInfo, error)
}

// OSFS is the real file system.
type OSFS struct{}

// Stat is os.Stat.
func (OSFS) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }

// Env is what a script run needs besides the request.
type Env struct {
	// FS answers the file tests; OSFS when nil.
	FS FS
}

// Result is how a script run ended.
type Result[T any] struct {
	// Status is non-zero when the request is answered now: by return, by a
	// redirecting rewrite (301/302 with Location), or 500 (an empty
	// rewritten URI). 444 means: close the connection without an answer.
	Status int
	// Location is the redirect target: rewrite ... redirect|permanent, or
	// the URL of "return 301..308 URL" / "return URL". Relative targets are
	// for the caller to make absolute, as nginx's header filter does.
	Location string
	// Body is the text of "return CODE TEXT" for codes that are not
	// redirects; HasBody distinguishes an empty text from none (a status
	// >= 400 without text gets the error page).
	Body    []byte
	HasBody bool
	// Restart asks for a new location search with the request's new URI
	// (nginx's uri_changed: rewrite ... last, or a rewrite without flag
	// that ran to the end). The caller counts restarts (MaxURIChanges).
	Restart bool
	// URIRewritten is set when "rewrite ... break" (or break after a
	// rewrite) changed the URI without a new search: nginx's
	// valid_location = 0, after which proxy_pass with a URI part sends
	// the whole new URI and alias cannot be used.
	URIRewritten bool
	// If is the last if block whose condition held (nil when none): its
	// configuration applies to the rest of the request, as nginx's
	// r->loc_conf = if's loc_conf.
	If *If[T]
}

// Run executes the script on req, changing req.URI, req.Args, variables and
// captures as nginx does.
func (s *Script[T]) Run(req *vars.Request, env Env) Result[T] {
	var res Result[T]
	if s.Empty() {
		return res
	}
	e := engine[T]{req: req, fs: env.FS, quote: true, uriQuoted: uriQuoted(req)}
	if e.fs == nil {
		e.fs = OSFS{}
	}
	e.run(s.ops, &res)
	e.finish(&res)
	return res
}

// uriQuoted is nginx's quoted_uri || plus_in_uri: the request's raw path had
// a percent-escape or a '+', which makes captures copied into a query string
// or a redirect get escaped again.
func uriQuoted(req *vars.Request) bool {
	if req == nil || req.Client == nil {
		return false
	}
	for _, c := range req.Client.Path {
		if c == '%' || c == '+' {
			return true
		}
	}
	return false
}
