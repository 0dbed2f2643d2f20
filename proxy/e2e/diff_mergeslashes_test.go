package e2e

import "testing"

// TestDiffMergeSlashesDefaultServer: nginx normalises the request URI before
// Host selects a server, so merge_slashes comes from the default server of
// the address the connection arrived on, whatever server then answers.
func TestDiffMergeSlashesDefaultServer(t *testing.T) {
	runDiffSuite(t, diffSuite{
		http: `server_tokens off;
server { listen 127.0.0.1:{{PORT}} default_server; merge_slashes off; location / { return 200 "default uri=$uri\n"; } }
server { listen 127.0.0.1:{{PORT}}; server_name merged.example; location / { return 200 "named uri=$uri\n"; } }
`,
		cases: []diffCase{
			{name: "default server keeps the slashes", req: get("other.example", "//a///b")},
			{name: "a named server gets the default server's setting", req: get("merged.example", "//a///b")},
			{name: "dot segments still resolve", req: get("other.example", "//a/./b/../c")},
		},
	})
}
