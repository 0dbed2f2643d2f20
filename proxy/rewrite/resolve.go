package rewrite

import (
	"sliceproxy/proxy/route"
	"sliceproxy/vars"
)

// MaxURIChanges is nginx's NGX_HTTP_MAX_URI_CHANGES: a request may change
// its URI (rewrite restarts, internal redirects) this many times; the next
// change ends it with 500 "rewrite or internal redirection cycle".
const MaxURIChanges = 10

// Budget counts the URI changes left to one request (nginx's
// r->uri_changes). Share it between location restarts and internal
// redirects (error_page, try_files, named locations).
type Budget struct{ left int }

// NewBudget returns the budget of a new request.
func NewBudget() Budget { return Budget{left: MaxURIChanges + 1} }

// Spend takes one URI change; false means the request has cycled and must
// end with 500.
func (b *Budget) Spend() bool {
	b.left--
	return b.left > 0
}

// Selection is the outcome of the rewrite and find-config phases.
type Selection[L, I any] struct {
	// Location is the selected location; nil means the server level.
	Location *route.Location[L]
	// AutoRedirect asks for nginx's 301 to the URI with "/" appended (the
	// query string kept); Result is empty then.
	AutoRedirect bool
	// Result is the last script run's outcome. A non-zero Status answers
	// the request (500 after too many restarts).
	Result Result[I]
	// Cycle is set when the 500 comes from the URI change budget.
	Cycle bool
}

// Select runs nginx's phases from server rewrite to post rewrite on req:
// the server's script, the location search, the location's script, and a
// new search whenever a rewrite asks for one, spending budget for each.
// locScript returns a location's script (nil when it has none); server may
// be nil. A location's script does not run when no location matched, as in
// nginx ("skipping location rewrite phase for server null location").
func Select[L, I any](req *vars.Request, env Env, server *Script[I], tree *route.Tree[L],
	locScript func(*route.Location[L]) *Script[I], budget *Budget) Selection[L, I] {
	var sel Selection[L, I]
	if res := server.Run(req, env); res.Status != 0 {
		sel.Result = res
		return sel
	}
	for {
		m := tree.Find(req.URI, req)
		sel = Selection[L, I]{Location: m.Location, AutoRedirect: m.Redirect}
		if m.Redirect || m.Location == nil {
			return sel
		}
		sel.Result = locScript(m.Location).Run(req, env)
		if sel.Result.Status != 0 || !sel.Result.Restart {
			return sel
		}
		if !budget.Spend() {
			sel.Result = Result[I]{Status: 500}
			sel.Cycle = true
			return sel
		}
	}
}
