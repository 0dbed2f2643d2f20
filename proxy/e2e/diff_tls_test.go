package e2e

import (
	"testing"

	"sliceproxy/internal/testenv"
)

// TestDiffTLS: ssl on a listen socket with one certificate per server,
// chosen by SNI; no or unknown SNI gets the default server's certificate;
// $scheme, $https and $ssl_server_name-independent routing by Host.
func TestDiffTLS(t *testing.T) {
	aCert, aKey := testenv.SelfSigned(t, "a.tls.example")
	bCert, bKey := testenv.SelfSigned(t, "b.tls.example")
	runDiffSuite(t, diffSuite{
		files: map[string]string{
			"tls/a.crt": aCert, "tls/a.key": aKey,
			"tls/b.crt": bCert, "tls/b.key": bKey,
		},
		http: `server_tokens off;
upstream be { server {{BACKEND}}; }
ssl_protocols TLSv1.2 TLSv1.3;
server {
    listen 127.0.0.1:{{PORT}} ssl default_server;
    server_name a.tls.example;
    ssl_certificate {{DIR}}/tls/a.crt;
    ssl_certificate_key {{DIR}}/tls/a.key;
    location / { return 200 "a scheme=$scheme https=$https host=$host\n"; }
    location /proxy/ { proxy_set_header X-Proto $scheme; proxy_pass http://be; }
}
server {
    listen 127.0.0.1:{{PORT}} ssl;
    server_name b.tls.example;
    ssl_certificate {{DIR}}/tls/b.crt;
    ssl_certificate_key {{DIR}}/tls/b.key;
    location / { return 200 "b scheme=$scheme https=$https host=$host\n"; }
}
server {
    listen 127.0.0.1:{{PORT2}};
    location / { return 200 "plain scheme=$scheme https=[$https]\n"; }
}
`,
		cases: []diffCase{
			{name: "sni a", tls: "a.tls.example", req: get("a.tls.example", "/")},
			{name: "sni b", tls: "b.tls.example", req: get("b.tls.example", "/")},
			{name: "no sni gets default certificate", tls: "-", req: get("b.tls.example", "/")},
			{name: "unknown sni gets default certificate", tls: "zzz.example", req: get("a.tls.example", "/")},
			{name: "sni and host differ: host routes", tls: "a.tls.example", req: get("b.tls.example", "/")},
			{name: "redirect scheme is https", tls: "a.tls.example", req: get("a.tls.example", "/proxy")},
			{name: "proxied with scheme", tls: "a.tls.example", req: get("a.tls.example", "/proxy/x")},
			{name: "plain http on the plain port", port2: true, req: get("x", "/")},
			{name: "plain http to the tls port", req: get("a.tls.example", "/"), state: true},
		},
	})
}
