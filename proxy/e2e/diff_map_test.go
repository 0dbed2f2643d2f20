package e2e

import "testing"

// TestDiffMap: map precedence (exact, longest "*." and ".*" wildcards with
// hostnames, regexes in order, default), captures in values, a value made
// of variables, maps of maps, an included key file, a key escaped with "\",
// and a map used in proxy_pass, return and headers.
func TestDiffMap(t *testing.T) {
	runDiffSuite(t, diffSuite{
		files: map[string]string{
			"map.inc": "from-include.example inc;\n",
		},
		http: `server_tokens off;
map $host $hmap {
    hostnames;
    default                dflt;
    map.example            exact;
    *.map.example          star;
    *.deep.map.example     deeper-star;
    www.map.*              tail-star;
    .dot.example           dot;
    ~^re-(?<part>\w+)\.    regex-$part;
    ~^re-                  never-second-regex;
    include                {{DIR}}/map.inc;
}
map $arg_k $amap {
    default      "none";
    ""           "empty";
    \~tilde      "escaped-tilde";
    ~*^CASE$     "caseless";
    ~^(\d+)-(\d+)$ "sum $1 and $2";
    both         "$host:$arg_x";
}
map $amap $chained {
    default      "chain-default";
    caseless     "chain-caseless";
}
map $arg_to $target {
    default      /t/default;
    a            /t/a;
}
upstream be { server {{BACKEND}}; }
server {
    listen 127.0.0.1:{{PORT}};
    location / { return 200 "h=$hmap a=$amap c=$chained\n"; }
    location /proxy/ { proxy_set_header X-Map "$hmap|$amap"; proxy_pass http://be$target; }
}
`,
		cases: []diffCase{
			{name: "exact", req: get("map.example", "/")},
			{name: "exact caseless and trailing dot", req: get("MAP.Example.", "/")},
			{name: "star", req: get("a.map.example", "/")},
			{name: "longest star", req: get("x.deep.map.example", "/")},
			{name: "tail star", req: get("www.map.org", "/")},
			{name: "dot form itself", req: get("dot.example", "/")},
			{name: "dot form subdomain", req: get("a.dot.example", "/")},
			{name: "regex named capture", req: get("re-alpha.example", "/")},
			{name: "include", req: get("from-include.example", "/")},
			{name: "default", req: get("nothing.example", "/")},
			{name: "empty source", req: get("map.example", "/?k=")},
			{name: "escaped tilde key", req: get("map.example", "/?k=~tilde")},
			{name: "caseless regex", req: get("map.example", "/?k=case")},
			{name: "numbered captures", req: get("map.example", "/?k=12-34")},
			{name: "value with variables", req: get("map.example", "/?k=both&x=y")},
			{name: "map in proxy_pass and header", req: get("a.map.example", "/proxy/?to=a&k=CASE")},
			{name: "map default proxy_pass", req: get("map.example", "/proxy/")},
		},
	})
}
