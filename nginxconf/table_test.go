package nginxconf

import (
	"sort"
	"testing"
)

// TestTableRowsAreConsistent checks invariants every row must keep, so a
// row added later cannot silently break lint, migrate or the README.
func TestTableRowsAreConsistent(t *testing.T) {
	specs := Specs()
	if len(specs) < 500 {
		t.Fatalf("table has %d rows, expected the full nginx/tengine/OpenResty set", len(specs))
	}
	if !sort.SliceIsSorted(specs, func(i, j int) bool { return specs[i].Name < specs[j].Name }) {
		t.Error("Specs() is not sorted by name")
	}
	for _, s := range specs {
		switch {
		case s.Name == "":
			t.Errorf("row without a name: %+v", s)
		case s.Contexts == 0:
			t.Errorf("%s: no context", s.Name)
		case s.Args == 0:
			t.Errorf("%s: no argument rule", s.Name)
		case s.Status == statusUnset:
			t.Errorf("%s: no status", s.Name)
		case s.Status != Implemented && s.Note == "":
			t.Errorf("%s: %s without a note saying why or what changes", s.Name, s.Status)
		case s.Module == "" || s.Origin == "":
			t.Errorf("%s: module or origin missing", s.Name)
		case (s.Value == ValEnum || s.Value == ValBitmask) && len(s.Enum) == 0:
			t.Errorf("%s: enum without words", s.Name)
		case s.Value == ValFlag && s.Args != Flag:
			t.Errorf("%s: flag value with args %s", s.Name, s.Args)
		case s.Opens != 0 && !s.Block:
			t.Errorf("%s: opens a context but is not a block", s.Name)
		}
	}
	// Two rows of one name must not both claim a context: LookupIn would be
	// ambiguous.
	seen := map[string]Context{}
	for _, s := range specs {
		if overlap := seen[s.Name] & s.Contexts; overlap != 0 {
			t.Errorf("%s: two rows claim context %s", s.Name, overlap)
		}
		seen[s.Name] |= s.Contexts
	}
}

func TestLookupIn(t *testing.T) {
	tests := []struct {
		name    string
		ctx     Context
		ok      bool
		block   bool
		status  Status
		wantCtx Context // a context the returned row must allow (0: don't care)
	}{
		{"server", CtxHTTP, true, true, Implemented, CtxHTTP},
		{"server", CtxUpstream, true, false, Implemented, CtxUpstream},
		{"server", CtxStream, true, true, Ignored, CtxStream},
		{"server", CtxStreamUpstream, true, false, Ignored, CtxStreamUpstream},
		{"server", CtxLocation, false, true, Implemented, 0},
		{"keepalive_timeout", CtxUpstream, true, false, Implemented, CtxUpstream},
		{"keepalive_timeout", CtxServer, true, false, Implemented, CtxServer},
		{"proxy_pass", CtxStreamServer, true, false, Ignored, CtxStreamServer},
		{"proxy_pass", CtxIf, true, false, Implemented, CtxIf},
		{"content_by_lua_block", CtxLocation, true, true, Unsupported, CtxLocation},
		{"if", CtxServer, true, true, Implemented, CtxServer},
	}
	for _, tt := range tests {
		s, ok := LookupIn(tt.name, tt.ctx)
		if ok != tt.ok || s == nil {
			t.Errorf("LookupIn(%q, %s) ok=%v spec=%v, want ok=%v", tt.name, tt.ctx, ok, s, tt.ok)
			continue
		}
		if s.Block != tt.block || s.Status != tt.status {
			t.Errorf("LookupIn(%q, %s) = block %v status %s, want block %v status %s",
				tt.name, tt.ctx, s.Block, s.Status, tt.block, tt.status)
		}
		if tt.wantCtx != 0 && !s.AllowedIn(tt.wantCtx) {
			t.Errorf("LookupIn(%q, %s) returned a row for %s", tt.name, tt.ctx, s.Contexts)
		}
	}
	if _, ok := LookupIn("no_such_directive", CtxHTTP); ok {
		t.Error("unknown directive found")
	}
	if !IsImplemented("proxy_pass", CtxLocation) || IsImplemented("fastcgi_pass", CtxLocation) {
		t.Error("IsImplemented disagrees with the table")
	}
}

func TestArgRuleAccepts(t *testing.T) {
	tests := []struct {
		rule ArgRule
		n    int
		want bool
	}{
		{NoArgs, 0, true}, {NoArgs, 1, false},
		{Take1, 1, true}, {Take1, 0, false}, {Take1, 2, false},
		{Take12, 2, true}, {Take12, 3, false},
		{Take23, 1, false}, {Take23, 3, true},
		{Take7, 7, true}, {Take7, 8, false},
		{Flag, 1, true}, {Flag, 2, false},
		{OneOrMore, 0, false}, {OneOrMore, 9, true},
		{TwoOrMore, 1, false}, {TwoOrMore, 2, true},
		{AnyArgs, 0, true}, {AnyArgs, 50, true},
		{NoArgs | Take12, 0, true}, {NoArgs | Take12, 3, false},
	}
	for _, tt := range tests {
		if got := tt.rule.Accepts(tt.n); got != tt.want {
			t.Errorf("%s.Accepts(%d) = %v, want %v", tt.rule, tt.n, got, tt.want)
		}
	}
	if got := Take123.String(); got != "TAKE123" {
		t.Errorf("Take123.String() = %q", got)
	}
}
