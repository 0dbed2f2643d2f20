package route

import (
	"strings"
	"testing"
)

// describe renders a match as "location" or "location (redirect)", "-" for
// no location.
func describe(m Match[string]) string {
	if m.Location == nil {
		return "-"
	}
	s := m.Location.Payload
	if m.Redirect {
		s += " (redirect)"
	}
	return s
}

func TestFindLocation(t *testing.T) {
	tests := []struct {
		name   string
		config string
		// cases maps a URI to the expected location.
		cases map[string]string
	}{
		{
			name: "nginx documentation example",
			config: `
				location = / { }
				location / { }
				location /documents/ { }
				location ^~ /images/ { }
				location ~* \.(gif|jpg|jpeg)$ { }`,
			cases: map[string]string{
				"/":                        "= /",
				"/index.html":              "/",
				"/documents/document.html": "/documents/",
				"/images/1.gif":            "^~ /images/",
				"/documents/1.jpg":         `~* \.(gif|jpg|jpeg)$`,
				"/x.JPG":                   `~* \.(gif|jpg|jpeg)$`,
			},
		},
		{
			name: "longest prefix wins regardless of order",
			config: `
				location /a/b/c { }
				location /a { }
				location /a/b { }
				location /ab { }`,
			cases: map[string]string{
				"/a":       "/a",
				"/a/":      "/a",
				"/a/b":     "/a/b",
				"/a/b/":    "/a/b",
				"/a/b/c/d": "/a/b/c",
				"/abc":     "/ab",
				"/b":       "-",
				"":         "-",
			},
		},
		{
			name: "exact and prefix with the same name",
			config: `
				location /x { }
				location = /x { }
				location ~ x { }`,
			cases: map[string]string{
				"/x":  "= /x",
				"/xy": "~ x",
				"/y":  "-",
			},
		},
		{
			name: "prefix equal to the uri still lets regexes run",
			config: `
				location /exact { }
				location ~ ^/ex { }`,
			cases: map[string]string{
				"/exact": "~ ^/ex",
			},
		},
		{
			name: "regexes in configuration order, first match wins",
			config: `
				location / { }
				location ~ \.php$ { }
				location ~ ^/a { }
				location ~* \.PHP$ { }`,
			cases: map[string]string{
				"/a/x.php": `~ \.php$`,
				"/a/x.PHP": "~ ^/a",
				"/b/x.PHP": `~* \.PHP$`,
				"/b/x.txt": "/",
			},
		},
		{
			name: "^~ stops regexes only when it is the longest prefix",
			config: `
				location ^~ /static/ { }
				location /static/js/ { }
				location ~ \.js$ { }`,
			cases: map[string]string{
				"/static/a.js":    "^~ /static/",
				"/static/js/a.js": `~ \.js$`,
				"/other/a.js":     `~ \.js$`,
			},
		},
		{
			name: "nested locations: inner regexes before outer ones",
			config: `
				location / {
					location ~ \.html$ { }
				}
				location /app/ {
					location /app/api/ { }
					location ~ \.php$ { }
				}
				location ~ \.(php|html)$ { }`,
			cases: map[string]string{
				"/x.html":          `~ \.html$`,
				"/app/x.php":       `~ \.php$`,
				"/app/x.html":      `~ \.(php|html)$`,
				"/app/api/x":       "/app/api/",
				"/app/api/x.php":   `~ \.php$`,
				"/app/other":       "/app/",
				"/nothing-special": "/",
			},
		},
		{
			name: "nested ^~ does not stop the outer level's regexes",
			config: `
				location /a/ {
					location ^~ /a/b/ { }
				}
				location ~ \.gif$ { }`,
			cases: map[string]string{
				"/a/b/x.gif": `~ \.gif$`,
				"/a/b/x.txt": "^~ /a/b/",
			},
		},
		{
			name: "outer ^~ stops outer regexes but nested ones run",
			config: `
				location ^~ /a/ {
					location ~ \.gif$ { }
				}
				location ~ \.(gif|png)$ { }`,
			cases: map[string]string{
				"/a/x.gif": `~ \.gif$`,
				"/a/x.png": "^~ /a/",
			},
		},
		{
			name: "regex location with nested locations",
			config: `
				location ~ ^/r/ {
					location ~ \.txt$ { }
				}`,
			cases: map[string]string{
				"/r/a.txt": `~ \.txt$`,
				"/r/a":     "~ ^/r/",
			},
		},
		{
			name: "named locations are never selected by uri",
			config: `
				location @fallback { }
				location / { }`,
			cases: map[string]string{
				"/@fallback": "/",
			},
		},
		{
			name: "slash sorts before every other byte",
			config: `
				location /a- { }
				location /a/ { }
				location /a { }
				location /a0 { }`,
			cases: map[string]string{
				"/a-b": "/a-",
				"/a/b": "/a/",
				"/a0":  "/a0",
				"/a.":  "/a",
			},
		},
		{
			name: "auto redirect for proxy_pass locations ending in slash",
			config: `
				location /api/ { proxy_pass http://127.0.0.1:1; }
				location /files/ { root /tmp; }
				location = /exact/ { proxy_pass http://127.0.0.1:1; }
				location /both { }
				location /both/ { proxy_pass http://127.0.0.1:1; }
				location ~ ^/apix { }`,
			cases: map[string]string{
				"/api":    "/api/ (redirect)",
				"/api/":   "/api/",
				"/api/x":  "/api/",
				"/files":  "-",
				"/exact":  "= /exact/ (redirect)",
				"/exact/": "= /exact/",
				"/both":   "/both",
				"/both/":  "/both/",
				"/apix":   "~ ^/apix",
			},
		},
		{
			name: "auto redirect is not set by proxy_pass inside if",
			config: `
				location /in-if/ { if ($x) { proxy_pass http://127.0.0.1:1; } }`,
			cases: map[string]string{
				"/in-if": "-",
			},
		},
		{
			name: "prefix location \"\" matches everything",
			config: `
				location "" { }
				location /a { }`,
			cases: map[string]string{
				"/a/b": "/a",
				"/b":   "",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree, diags := buildServer(t, tt.config)
			if len(diags) > 0 {
				t.Fatalf("diagnostics:\n%s", diagMessages(diags))
			}
			for uri, want := range tt.cases {
				m := tree.Find([]byte(uri), nil)
				if got := describe(m); got != want {
					t.Errorf("Find(%q) = %s, want %s", uri, got, want)
				}
			}
		})
	}
}

func TestNamedAndInternal(t *testing.T) {
	tree, diags := buildServer(t, `
		location @a { return 200; }
		location @a { return 201; }
		location /i/ { internal; }
		location / { }`)
	if len(diags) > 0 {
		t.Fatalf("diagnostics:\n%s", diagMessages(diags))
	}
	a := tree.Named("@a")
	if a == nil || a.Directive.Block[0].Args[0].Value != "200" {
		t.Fatalf("Named(@a) = %v, want the first @a (return 200)", a)
	}
	if tree.Named("a") != nil || tree.Named("@b") != nil {
		t.Error("Named found a location that does not exist")
	}
	m := tree.Find([]byte("/i/x"), nil)
	if m.Location == nil || !m.Location.Internal {
		t.Errorf("/i/x: want the internal location, got %s", describe(m))
	}
	m = tree.Find([]byte("/x"), nil)
	if m.Location == nil || m.Location.Internal {
		t.Errorf("/x: want a non-internal location, got %s", describe(m))
	}
}

func TestLocationsOrderAndParents(t *testing.T) {
	tree, _ := buildServer(t, `
		location /a/ {
			location /a/b/ { }
			location ~ c { }
		}
		location @n { }
		location = /e { }`)
	var got []string
	for _, l := range tree.Locations() {
		p := "<server>"
		if l.Parent != nil {
			p = l.Parent.String()
		}
		got = append(got, l.String()+" in "+p)
	}
	want := "/a/ in <server>|/a/b/ in /a/|~ c in /a/|@n in <server>|= /e in <server>"
	if strings.Join(got, "|") != want {
		t.Errorf("Locations() = %s\nwant %s", strings.Join(got, "|"), want)
	}
	if n := len(tree.Locations()[0].Nested); n != 2 {
		t.Errorf("/a/ has %d nested, want 2", n)
	}
}

func TestBuildDiagnostics(t *testing.T) {
	tests := []struct {
		name, config, want string
		// wantIn must appear in the diagnostics when set.
		wantIn string
		// still is a URI that must still find a location despite the error.
		still, stillWant string
	}{
		{
			name:   "duplicate prefix",
			config: "location /x { }\nlocation /x { }",
			want:   `error: duplicate location "/x"`,
			still:  "/x/y", stillWant: "/x",
		},
		{
			name:   "duplicate exact",
			config: "location = /x { }\nlocation =/x { }",
			want:   `error: duplicate location "/x"`,
			still:  "/x", stillWant: "= /x",
		},
		{
			name:   "exact and prefix of one name are no duplicate",
			config: "location = /x { }\nlocation /x { }\nlocation ~ x { }\nlocation ~ x { }",
			want:   "",
		},
		{
			name:   "outside",
			config: "location /a/ { location /b/ { } }",
			want:   `error: location "/b/" is outside location "/a/"`,
		},
		{
			name:   "inside exact",
			config: "location = /a { location /a/b { } }",
			want:   `error: location "/a/b" cannot be inside the exact location "/a"`,
		},
		{
			name:   "inside named",
			config: "location @a { location /a { } }",
			want:   `error: location "/a" cannot be inside the named location "@a"`,
		},
		{
			name:   "named nested",
			config: "location /a { location @b { } }",
			want:   `error: named location "@b" can be on the server level only`,
		},
		{
			name:   "invalid modifier",
			config: "location ~~ /a { }",
			want:   `error: invalid location modifier "~~"`,
		},
		{
			name:   "bad regex",
			config: "location ~ ^/(a { }\nlocation /ok { }",
			// the wording is package vars'; the pattern must be in it
			want:   `error: `,
			wantIn: `"^/(a"`,
			still:  "/ok", stillWant: "/ok",
		},
		{
			name:   "regex child of prefix is never outside",
			config: "location /a/ { location ~ ^/b { } }",
			want:   "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree, diags := buildServer(t, tt.config)
			got := diagMessages(diags)
			if tt.want == "" && got != "" || tt.want != "" && !strings.HasPrefix(got, tt.want) || !strings.Contains(got, tt.wantIn) {
				t.Errorf("diagnostics:\n%s\nwant prefix:\n%s", got, tt.want)
			}
			for _, d := range diags {
				if d.Pos.Line == 0 {
					t.Errorf("diagnostic without a line: %v", d)
				}
			}
			if tt.still != "" {
				m := tree.Find([]byte(tt.still), nil)
				if got := describe(m); got != tt.stillWant {
					t.Errorf("Find(%q) = %s, want %s", tt.still, got, tt.stillWant)
				}
			}
		})
	}
}

// TestStaticTreeAgainstNaive checks the nginx tree against a plain
// longest-prefix scan over many names.
func TestStaticTreeAgainstNaive(t *testing.T) {
	names := []string{"/", "/a", "/a/", "/a/b", "/a/b/c", "/ab", "/abc/", "/a-", "/a.", "/b/", "/b/c/d/",
		"/c", "/c/", "/c/d", "/z", "/zz/", "/a/b/c/d/e", "/d/e", "/d"}
	var cfg strings.Builder
	for _, n := range names {
		cfg.WriteString("location " + n + " { }\n")
	}
	tree, diags := buildServer(t, cfg.String())
	if len(diags) > 0 {
		t.Fatal(diagMessages(diags))
	}
	uris := []string{"", "/", "/a", "/a/", "/a/x", "/a/b", "/a/bc", "/a/b/", "/a/b/c/d/e/f", "/ab", "/abc", "/abc/", "/a-b",
		"/a.b", "/b", "/b/", "/b/c/d", "/b/c/d/", "/c/d/e", "/zz", "/zz/", "/d/e/f", "/d/", "/e", "x"}
	for _, u := range uris {
		want := "-"
		for _, n := range names {
			if strings.HasPrefix(u, n) && (want == "-" || len(n) > len(want)) {
				want = n
			}
		}
		m := tree.Find([]byte(u), nil)
		if got := describe(m); got != want {
			t.Errorf("Find(%q) = %s, want %s", u, got, want)
		}
	}
}
