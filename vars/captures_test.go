package vars

import (
	"testing"

	"sliceproxy/internal/testenv"
	"sliceproxy/nginxconf"
)

// captureScript is how nginx runs the regexes of capturesServer for one
// URI: the server-level "if"s in order, then the regex locations in order
// until one matches, then the map in the returned string. Each match
// replaces $1..$9 (a regex without groups leaves none). A location or map
// regex that does not match keeps the previous captures (MatchRegex); an
// "if" or "rewrite" regex that does not match clears them (nginx's
// ngx_http_script_regex_start_code sets r->ncaptures = 0; proxy/rewrite
// calls ClearCaptures), which the capsif.test server shows.
var (
	captureIfs       = map[string][]string{"caps.test": {`^/(\w+)/(\w+)`}, "capsif.test": {`^/(\w+)/(\w+)`, `^/zzz(\d)`}}
	captureLocations = []string{`\.nocap$`, `^/\w+/\w+/(\w+)\.cap$`}
	captureMap       = `^/nomatch(\d)`
)

const capturesServer = `
    map $uri $caps_map {
        default  d;
        ~^/nomatch(\d)  m$1;
    }
    server {
        listen {{PORT}};
        server_name caps.test;
        if ($uri ~ ^/(\w+)/(\w+)) { }
        location ~ \.nocap$ { return 200 "[$1|$2]"; }
        location ~ ^/\w+/\w+/(\w+)\.cap$ { return 200 "[$1|$2]"; }
        location / { return 200 "[$caps_map|$1|$2]"; }
    }
    server {
        listen {{PORT}};
        server_name capsif.test;
        if ($uri ~ ^/(\w+)/(\w+)) { }
        if ($uri ~ ^/zzz(\d)) { }
        location / { return 200 "[$1|$2]"; }
    }
`

var captureCases = []struct {
	host, uri, want string
}{
	// Both groups of the "if"; no location regex matches, nor the map's
	// regex: the captures stay.
	{"caps.test", "/a/b/c", "[d|a|b]"},
	// A matching regex without groups empties $1..$9 (verified with nginx
	// 1.22: ngx_http_regex_exec sets r->ncaptures from the match).
	{"caps.test", "/a/b/x.nocap", "[|]"},
	// A matching regex with one group: $1 is its group, $2 is gone.
	{"caps.test", "/a/b/x.cap", "[x|]"},
	// Nothing matched at all.
	{"caps.test", "/single", "[d||]"},
	// The map's regex matches: its capture replaces the if's.
	{"caps.test", "/nomatch7/q", "[m7|7|]"},
	// A second "if" whose regex fails clears the first one's captures.
	{"capsif.test", "/zzz/q", "[|]"},
	// A second "if" whose regex matches replaces them.
	{"capsif.test", "/zzz1/q", "[1|]"},
}

// runCaptureScript applies the regexes of host to uri the way nginx does
// and renders the location's return string.
func runCaptureScript(t *testing.T, host, uri string) string {
	t.Helper()
	reg := testRegistry(t)
	compile := func(p string) *Regex {
		re, diags := reg.CompileRegex(p, false, nginxconf.Pos{File: "t"})
		if re == nil {
			t.Fatalf("compile %q: %v", p, diags)
		}
		return re
	}
	q := newTestRequest(t, reg, clientRequest("GET", uri, "Host: "+host))
	for _, p := range captureIfs[host] {
		if !q.MatchRegex(compile(p), q.URI) {
			q.ClearCaptures() // what proxy/rewrite does for a failed "if"
		}
	}
	if host == "capsif.test" {
		return string(reg.MustCompile("[$1|$2]").Eval(q, nil))
	}
	for _, p := range captureLocations {
		if q.MatchRegex(compile(p), q.URI) {
			return string(reg.MustCompile("[$1|$2]").Eval(q, nil))
		}
	}
	mapValue := "d"
	if re := compile(captureMap); q.MatchRegex(re, q.URI) {
		mapValue = "m" + string(q.Capture(1))
	}
	return string(reg.MustCompile("["+mapValue+"|$1|$2]").Eval(q, nil))
}

func TestMatchRegexCaptures(t *testing.T) {
	for _, tc := range captureCases {
		t.Run(tc.host+tc.uri, func(t *testing.T) {
			if got := runCaptureScript(t, tc.host, tc.uri); got != tc.want {
				t.Errorf("%s: %s, want %s", tc.uri, got, tc.want)
			}
		})
	}
}

// TestMatchRegexKeepsOnMiss checks the two rules directly: a miss keeps
// the captures and reports false, a group-less match clears them.
func TestMatchRegexKeepsOnMiss(t *testing.T) {
	reg := testRegistry(t)
	q := newTestRequest(t, reg, clientRequest("GET", "/a/b"))
	groups, _, err := CompileRegex(`^/(\w)/(\w)$`, false)
	if err != nil {
		t.Fatal(err)
	}
	miss, _, _ := CompileRegex(`^/nomatch(\d)`, false)
	noGroups, _, _ := CompileRegex(`^/a`, false)
	if !q.MatchRegex(groups, []byte("/a/b")) {
		t.Fatal("no match")
	}
	if q.MatchRegex(miss, []byte("/a/b")) {
		t.Fatal("unexpected match")
	}
	if got := string(q.Capture(1)) + string(q.Capture(2)); got != "ab" || q.NumCaptures() != 3 {
		t.Fatalf("after a miss: %q, %d pairs; want \"ab\", 3", got, q.NumCaptures())
	}
	if !q.MatchRegex(noGroups, []byte("/a/b")) {
		t.Fatal("no match")
	}
	if q.Capture(1) != nil || q.NumCaptures() != 1 {
		t.Fatalf("after a group-less match: $1=%q, %d pairs; want none, 1", q.Capture(1), q.NumCaptures())
	}
}

// TestMatchRegexCapturesNginx runs captureCases through a real nginx.
func TestMatchRegexCapturesNginx(t *testing.T) {
	if testing.Short() {
		t.Skip("starts nginx")
	}
	ng := testenv.StartNginx(t, testenv.NginxConfig{HTTP: capturesServer})
	for _, tc := range captureCases {
		t.Run(tc.host+tc.uri, func(t *testing.T) {
			status, body, _ := rawExchange(t, ng.Addr, "GET "+tc.uri+" HTTP/1.1\r\nHost: "+tc.host+"\r\nConnection: close\r\n\r\n")
			if status != 200 || string(body) != tc.want {
				t.Errorf("nginx: %d %q, want %q", status, body, tc.want)
			}
		})
	}
}
