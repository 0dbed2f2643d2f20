package proxy

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sliceproxy/nginxconf"
)

// s1AuthHTTP exercises auth_basic, limit_except and satisfy. It is served
// in-process by TestAuthBasicAccess and side by side with nginx by
// TestDifferentialAuthNginx. {{LISTEN}}, {{BE}} and {{DIR}} are replaced;
// the user file "users" (testdata/auth/users) is written into the
// configuration directory, where a relative auth_basic_user_file points.
const s1AuthHTTP = `
server_tokens off;
server {
    listen {{LISTEN}};
    server_name auth.test;
    location /basic/ { auth_basic "Basic Realm"; auth_basic_user_file users; proxy_pass http://{{BE}}; }
    location /abs/ { auth_basic "abs"; auth_basic_user_file {{DIR}}/users; proxy_pass http://{{BE}}; }
    location /varrealm/ { auth_basic "realm of $host"; auth_basic_user_file users; proxy_pass http://{{BE}}; }
    location /varfile/ { auth_basic "vf"; auth_basic_user_file $arg_f; proxy_pass http://{{BE}}; }
    location /off/ { auth_basic off; auth_basic_user_file users; proxy_pass http://{{BE}}; }
    location /realmonly/ { auth_basic "no file"; proxy_pass http://{{BE}}; }
    location /nofile/ { auth_basic "x"; auth_basic_user_file missing; proxy_pass http://{{BE}}; }
    location /dirfile/ { auth_basic "x"; auth_basic_user_file {{DIR}}; proxy_pass http://{{BE}}; }
    location /returns/ { auth_basic "r"; auth_basic_user_file users; return 200 "rewrite runs first"; }
    location /inherit/ {
        auth_basic "outer";
        auth_basic_user_file users;
        location /inherit/off/ { auth_basic off; proxy_pass http://{{BE}}; }
        location /inherit/on/ { proxy_pass http://{{BE}}; }
    }
    location /le/ { limit_except GET { deny all; } proxy_pass http://{{BE}}; }
    location /leallow/ { deny all; limit_except GET { allow all; } proxy_pass http://{{BE}}; }
    location /leauth/ { limit_except GET POST { auth_basic "le"; auth_basic_user_file users; } proxy_pass http://{{BE}}; }
    location /leif/ { limit_except GET { deny all; } if ($request_method = POST) { add_header X-If post; } proxy_pass http://{{BE}}; }
    location /page401/ { auth_basic "p"; auth_basic_user_file users; error_page 401 /off/page; proxy_pass http://{{BE}}; }
    location /lereturn/ { limit_except GET { deny all; } return 200 "returned"; }
    location /lenested/ {
        limit_except GET { deny all; }
        location /lenested/in/ { proxy_pass http://{{BE}}; }
    }
    location /anyallow/ { satisfy any; allow 127.0.0.1; deny all; auth_basic "any"; auth_basic_user_file users; proxy_pass http://{{BE}}; }
    location /anydeny/ { satisfy any; deny 127.0.0.1; auth_basic "any"; auth_basic_user_file users; proxy_pass http://{{BE}}; }
    location /anydenyonly/ { satisfy any; deny all; proxy_pass http://{{BE}}; }
    location /anynomatch/ { satisfy any; deny 10.0.0.1; auth_basic "any"; auth_basic_user_file users; proxy_pass http://{{BE}}; }
    location /alldeny/ { deny 127.0.0.1; auth_basic "all"; auth_basic_user_file users; proxy_pass http://{{BE}}; }
    location /allallow/ { allow 127.0.0.1; deny all; auth_basic "all"; auth_basic_user_file users; proxy_pass http://{{BE}}; }
}
`

// s1Users is testdata/auth/users.
func s1Users(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "auth", "users"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func basicAuth(userPass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(userPass))
}

// s1Case is one request and what nginx answers (established with nginx
// 1.22 by TestDifferentialAuthNginx).
type s1Case struct {
	method, uri, authz string
	status             int
	realm              string // WWW-Authenticate's realm ("" none)
	log                string // an error log line that must appear ("" none checked)
}

var s1Cases = []s1Case{
	{method: "GET", uri: "/basic/x", status: 401, realm: "Basic Realm", log: "[info]" + ` *` + "|no user/password was provided for basic authentication"},
	{method: "GET", uri: "/basic/x", authz: basicAuth("plain:secret"), status: 200},
	{method: "GET", uri: "/basic/x", authz: basicAuth("plain:wrong"), status: 401, realm: "Basic Realm", log: `[error]|user "plain": password mismatch`},
	{method: "GET", uri: "/basic/x", authz: basicAuth("nobody:secret"), status: 401, realm: "Basic Realm", log: `[error]|user "nobody" was not found in "`},
	{method: "GET", uri: "/basic/x", authz: basicAuth(":secret"), status: 401, realm: "Basic Realm"},
	{method: "GET", uri: "/basic/x", authz: basicAuth("plainsecret"), status: 401, realm: "Basic Realm"},
	{method: "GET", uri: "/basic/x", authz: "Basic !!!", status: 401, realm: "Basic Realm"},
	{method: "GET", uri: "/basic/x", authz: "bAsIc    " + strings.TrimRight(base64.StdEncoding.EncodeToString([]byte("plain:secret")), "="), status: 200},
	{method: "GET", uri: "/basic/x", authz: "Bearer abc", status: 401, realm: "Basic Realm"},
	{method: "GET", uri: "/basic/x", authz: basicAuth("sha:secret"), status: 200},
	{method: "GET", uri: "/basic/x", authz: basicAuth("ssha:secret"), status: 200},
	{method: "GET", uri: "/basic/x", authz: basicAuth("apr1:secret"), status: 200},
	{method: "GET", uri: "/basic/x", authz: basicAuth("md5:secret"), status: 200},
	{method: "GET", uri: "/basic/x", authz: basicAuth("sha256:secret"), status: 200},
	{method: "GET", uri: "/basic/x", authz: basicAuth("sha512:secret"), status: 200},
	{method: "GET", uri: "/basic/x", authz: basicAuth("bcrypt:secret"), status: 200},
	{method: "GET", uri: "/basic/x", authz: basicAuth("bcrypt:Secret"), status: 401, realm: "Basic Realm"},
	{method: "GET", uri: "/basic/x", authz: basicAuth("extra:secret"), status: 200},
	{method: "GET", uri: "/basic/x", authz: basicAuth("des:secret"), status: 200},
	{method: "GET", uri: "/basic/x", authz: basicAuth("des:secretXY"), status: 401, realm: "Basic Realm"},
	{method: "GET", uri: "/basic/x", authz: basicAuth("crlf:secret"), status: 200},
	{method: "GET", uri: "/basic/x", authz: basicAuth("space:secret"), status: 401, realm: "Basic Realm"},
	{method: "GET", uri: "/basic/x", authz: basicAuth(" space:secret"), status: 200},
	{method: "GET", uri: "/basic/x", authz: basicAuth("commented:secret"), status: 401, realm: "Basic Realm"},
	{method: "GET", uri: "/abs/x", authz: basicAuth("plain:secret"), status: 200},
	{method: "GET", uri: "/varrealm/x", status: 401, realm: "realm of auth.test"},
	{method: "GET", uri: "/varfile/x?f=users", authz: basicAuth("md5:secret"), status: 200},
	{method: "GET", uri: "/varfile/x?f=missing", authz: basicAuth("md5:secret"), status: 403, log: `[error]|open() "`},
	{method: "GET", uri: "/off/x", status: 200},
	{method: "GET", uri: "/realmonly/x", status: 200},
	{method: "GET", uri: "/nofile/x", status: 401, realm: "x"},
	{method: "GET", uri: "/nofile/x", authz: basicAuth("plain:secret"), status: 403, log: `[error]|missing" failed (2: No such file or directory)`},
	{method: "GET", uri: "/dirfile/x", authz: basicAuth("plain:secret"), status: 500, log: `[crit]|failed (21: Is a directory)`},
	{method: "GET", uri: "/returns/x", status: 200},
	{method: "GET", uri: "/inherit/off/x", status: 200},
	{method: "GET", uri: "/inherit/on/x", status: 401, realm: "outer"},
	{method: "GET", uri: "/le/x", status: 200},
	{method: "HEAD", uri: "/le/x", status: 200},
	{method: "POST", uri: "/le/x", status: 403, log: "[error]|access forbidden by rule"},
	{method: "DELETE", uri: "/le/x", status: 403},
	{method: "FOO", uri: "/le/x", status: 403},
	{method: "GET", uri: "/leallow/x", status: 403},
	{method: "PUT", uri: "/leallow/x", status: 200},
	{method: "GET", uri: "/leauth/x", status: 200},
	{method: "POST", uri: "/leauth/x", status: 200},
	{method: "PUT", uri: "/leauth/x", status: 401, realm: "le"},
	{method: "PUT", uri: "/leauth/x", authz: basicAuth("apr1:secret"), status: 200},
	{method: "POST", uri: "/lenested/in/x", status: 200},
	{method: "GET", uri: "/leif/x", status: 200},
	{method: "POST", uri: "/leif/x", status: 403},
	{method: "GET", uri: "/anyallow/x", status: 200},
	{method: "GET", uri: "/anydeny/x", status: 401, realm: "any"},
	{method: "GET", uri: "/anydeny/x", authz: basicAuth("plain:secret"), status: 200},
	{method: "GET", uri: "/anydeny/x", authz: basicAuth("plain:wrong"), status: 401, realm: "any"},
	{method: "GET", uri: "/anydenyonly/x", status: 403, log: "[error]|access forbidden by rule"},
	{method: "GET", uri: "/anynomatch/x", status: 401, realm: "any"},
	{method: "GET", uri: "/alldeny/x", authz: basicAuth("plain:secret"), status: 403},
	{method: "GET", uri: "/allallow/x", status: 401, realm: "all"},
	{method: "GET", uri: "/allallow/x", authz: basicAuth("sha512:secret"), status: 200},
}

func s1Request(c s1Case) string {
	raw := c.method + " " + c.uri + " HTTP/1.1\r\nHost: auth.test\r\nConnection: close\r\n"
	if c.authz != "" {
		raw += "Authorization: " + c.authz + "\r\n"
	}
	return raw + "\r\n"
}

// TestAuthBasicAccess: auth_basic with every hash format, limit_except and
// satisfy, asserting status, the challenge and nginx's error log lines.
func TestAuthBasicAccess(t *testing.T) {
	be := startFakeBackend(t, nil)
	conf := strings.NewReplacer("{{LISTEN}}", "127.0.0.1:0", "{{BE}}", be.Addr()).Replace(s1AuthHTTP)
	tp := startProxy(t, conf, map[string]string{"users": s1Users(t)})
	for _, c := range s1Cases {
		t.Run(c.method+" "+c.uri+" "+c.authz, func(t *testing.T) {
			r := tp.roundTrip(s1Request(c))
			if r.Status != c.status {
				t.Fatalf("status %d, want %d (body %q)", r.Status, c.status, r.Body)
			}
			wantChallenge := ""
			if c.realm != "" {
				wantChallenge = `Basic realm="` + c.realm + `"`
			}
			if got := r.Header.Get("WWW-Authenticate"); got != wantChallenge {
				t.Errorf("WWW-Authenticate %q, want %q", got, wantChallenge)
			}
			if c.status == 401 && !strings.Contains(r.Body, "<title>401 Authorization Required</title>") {
				t.Errorf("401 body is not nginx's page: %q", r.Body)
			}
			if c.log != "" {
				level, msg, _ := strings.Cut(c.log, "|")
				level = strings.Fields(level)[0]
				if !s1LogHas(tp.errorLog(), level, msg) {
					t.Errorf("error log has no %s line with %q:\n%s", level, msg, tp.errorLog())
				}
			}
		})
	}
}

func s1LogHas(log, level, msg string) bool {
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, " "+level+" ") && strings.Contains(line, msg) {
			return true
		}
	}
	return false
}

// TestAuthUserFileChangesApply: the user file is read per request as in
// nginx (the cache only skips re-reading an unchanged file).
func TestAuthUserFileChangesApply(t *testing.T) {
	be := startFakeBackend(t, nil)
	conf := strings.NewReplacer("{{LISTEN}}", "127.0.0.1:0", "{{BE}}", be.Addr()).Replace(s1AuthHTTP)
	tp := startProxy(t, conf, map[string]string{"users": "plain:{PLAIN}secret\n"})
	req := s1Request(s1Case{method: "GET", uri: "/basic/x", authz: basicAuth("plain:secret")})
	if r := tp.roundTrip(req); r.Status != 200 {
		t.Fatalf("status %d before the change", r.Status)
	}
	if err := os.WriteFile(filepath.Join(tp.dir, "users"), []byte("plain:{PLAIN}changed-and-longer\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := tp.roundTrip(req); r.Status != 401 {
		t.Fatalf("status %d after the password changed, want 401", r.Status)
	}
}

// TestLimitExceptLoadErrors: nginx's errors for a bad limit_except, and
// sliceproxy's refusal of directives it does not apply inside one.
func TestLimitExceptLoadErrors(t *testing.T) {
	tests := []struct{ conf, want string }{
		{`location / { limit_except GET FETCH { deny all; } }`, `invalid method "FETCH"`},
		{`location / { limit_except GET { deny all; } limit_except POST { deny all; } }`, `"limit_except" directive is duplicate`},
		{`location / { limit_except GET { proxy_pass http://127.0.0.1:1; } }`, `"proxy_pass" is not supported inside limit_except by sliceproxy`},
		{`location / { limit_except GET { access_log off; } }`, `"access_log" is not supported inside limit_except by sliceproxy`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			diags := loadDiags(t, "server { listen 127.0.0.1:0; "+tt.conf+" }")
			for _, d := range diags {
				if strings.Contains(d.Message, tt.want) {
					return
				}
			}
			t.Fatalf("no diagnostic %q in %v", tt.want, diags)
		})
	}
	// Method names are case-insensitive in nginx.
	if diags := loadDiags(t, "server { listen 127.0.0.1:0; location / { limit_except get post { deny all; } } }"); hasError(diags) {
		t.Fatalf("lower-case methods must be accepted: %v", diags)
	}
}

// loadDiags loads "http { httpBody }" and returns the diagnostics of the
// parse and of the proxy loader.
func loadDiags(t *testing.T, httpBody string) []nginxconf.Diagnostic {
	t.Helper()
	dir := t.TempDir()
	conf := "error_log " + dir + "/error.log;\npid off;\nevents {}\nhttp {\naccess_log off;\n" + httpBody + "\n}\n"
	cfg, diags := nginxconf.ParseBytes(filepath.Join(dir, "nginx.conf"), []byte(conf), nginxconf.Options{Prefix: dir + "/"})
	if cfg == nil {
		return diags
	}
	rt, more := Load(cfg, LoadOptions{Prefix: dir + "/"})
	if rt != nil {
		rt.Close()
	}
	return append(diags, more...)
}

func hasError(diags []nginxconf.Diagnostic) bool {
	for _, d := range diags {
		if d.Severity == nginxconf.SevError {
			return true
		}
	}
	return false
}

// TestAuthUserFileLint: a constant user file is checked at load for hashes
// sliceproxy cannot verify (lint shows the same warning).
func TestAuthUserFileLint(t *testing.T) {
	dir := t.TempDir()
	users := filepath.Join(dir, "users")
	if err := os.WriteFile(users, []byte(s1Users(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	diags := loadDiags(t, "server { listen 127.0.0.1:0; location / { auth_basic x; auth_basic_user_file "+users+"; } }")
	for _, d := range diags {
		if d.Severity == nginxconf.SevWarning && strings.Contains(d.Message, `user "bsdi" in "`+users+`" has a BSDi extended DES crypt hash`) {
			return
		}
	}
	t.Fatalf("no DES warning in %v", diags)
}
