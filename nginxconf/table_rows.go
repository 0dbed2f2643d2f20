package nginxconf

// This file holds the small vocabulary the table_*.go files are written in.
// Each table_*.go file lists the directives of a family of modules; allRows
// gathers them. A row is a Spec literal built by one of the constructors
// below and refined by the chainable modifiers, then stamped with its module
// by module.rows.
//
// When sliceproxy starts doing what a directive asks, flip its row to
// .impl() (which drops the note) in the same change as the code: lint,
// migrate, -t, -V's configure arguments and the README table follow. A row
// never claims more than the code does.

// allRows returns every row of the directive table. It is called once, to
// build directiveIndex.
func allRows() []Spec {
	var rows []Spec
	for _, part := range [][]Spec{
		coreRows(),
		httpCoreRows(),
		httpRewriteLogMapRows(),
		httpSSLRows(),
		upstreamRows(),
		proxyRows(),
		proxyFamilyRows(),
		httpModuleRows(),
		streamRows(),
		mailRows(),
		tengineRows(),
		openrestyRows(),
		thirdPartyRows(),
	} {
		rows = append(rows, part...)
	}
	return rows
}

// module stamps rows with their module and origin, and gives rows without a
// status of their own the module's status and note.
type module struct {
	name   string
	origin string
	status Status
	note   string
}

const (
	originNginx      = "nginx"
	originTengine    = "tengine"
	originOpenResty  = "openresty"
	originThirdParty = "thirdparty"
)

func (m module) rows(specs ...Spec) []Spec {
	for i := range specs {
		s := &specs[i]
		s.Module = m.name
		s.Origin = m.origin
		if s.Status == statusUnset {
			s.Status = m.status
			if s.Note == "" {
				s.Note = m.note
			}
		}
	}
	return specs
}

// d is a directive that may repeat, with free-form arguments.
func d(name string, ctx Context, args ArgRule) Spec {
	return Spec{Name: name, Contexts: ctx, Args: args}
}

// one is a directive with one free-form argument that may not repeat.
func one(name string, ctx Context) Spec {
	return Spec{Name: name, Contexts: ctx, Args: Take1, Unique: true}
}

// flag is an on|off directive (ngx_conf_set_flag_slot).
func onOff(name string, ctx Context) Spec {
	return Spec{Name: name, Contexts: ctx, Args: Flag, Value: ValFlag, Unique: true}
}

// num is a non-negative integer directive (ngx_conf_set_num_slot).
func num(name string, ctx Context) Spec {
	return Spec{Name: name, Contexts: ctx, Args: Take1, Value: ValNum, Unique: true}
}

// size is a size directive, 10k / 1m (ngx_conf_set_size_slot).
func size(name string, ctx Context) Spec {
	return Spec{Name: name, Contexts: ctx, Args: Take1, Value: ValSize, Unique: true}
}

// offset is a size directive that also takes g (ngx_conf_set_off_slot).
func offset(name string, ctx Context) Spec {
	return Spec{Name: name, Contexts: ctx, Args: Take1, Value: ValOffset, Unique: true}
}

// msec is a time directive in milliseconds (ngx_conf_set_msec_slot).
func msec(name string, ctx Context) Spec {
	return Spec{Name: name, Contexts: ctx, Args: Take1, Value: ValMsec, Unique: true}
}

// sec is a time directive in seconds (ngx_conf_set_sec_slot).
func sec(name string, ctx Context) Spec {
	return Spec{Name: name, Contexts: ctx, Args: Take1, Value: ValSec, Unique: true}
}

// enum is a directive taking one of a fixed set of words (ngx_conf_set_enum_slot).
func enum(name string, ctx Context, words ...string) Spec {
	return Spec{Name: name, Contexts: ctx, Args: Take1, Value: ValEnum, Enum: words, Unique: true}
}

// bitmask is a directive whose arguments are each one of words
// (ngx_conf_set_bitmask_slot); it may repeat, adding to the set.
func bitmask(name string, ctx Context, words ...string) Spec {
	return Spec{Name: name, Contexts: ctx, Args: OneOrMore, Value: ValBitmask, Enum: words}
}

// Word sets of nginx's bitmask directives.
func nextUpstreamWords() []string {
	return []string{"error", "timeout", "invalid_header", "http_500", "http_502", "http_503", "http_504",
		"http_403", "http_404", "http_429", "non_idempotent", "off"}
}

func sslProtocolWords() []string {
	return []string{"SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}
}

// blk is a block directive whose statements are in context opens.
func blk(name string, ctx Context, args ArgRule, opens Context) Spec {
	return Spec{Name: name, Contexts: ctx, Args: args, Block: true, Opens: opens}
}

// luaBlock is an OpenResty *_by_lua_block directive: its body is Lua source,
// kept raw by the parser.
func luaBlock(name string, ctx Context, args ArgRule) Spec {
	return Spec{Name: name, Contexts: ctx, Args: args, Block: true}
}

func (s Spec) impl() Spec { s.Status = Implemented; s.Note = ""; return s }

func (s Spec) ign(note string) Spec { s.Status = Ignored; s.Note = note; return s }

func (s Spec) unsup(note string) Spec { s.Status = Unsupported; s.Note = note; return s }

// nginxDefault records the value whose behaviour sliceproxy has.
func (s Spec) nginxDefault(v string) Spec { s.Default = v; return s }

func (s Spec) uniq() Spec { s.Unique = true; return s }

func (s Spec) args(r ArgRule) Spec { s.Args = r; return s }
