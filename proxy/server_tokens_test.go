package proxy

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// server_tokens decides what the Server header and nginx's own error pages
// say, per level, as nginx does: on (the default) and build name the
// release, off says "nginx".
func TestServerTokens(t *testing.T) {
	tests := []struct {
		name, level, path string
		wantServer        string
		wantPageSignature string
	}{
		{"default is on", "", "/missing", "nginx/1.28.0", "<center>nginx/1.28.0</center>"},
		{"off", "server_tokens off;", "/missing", "nginx", "<center>nginx</center>"},
		{"build shows the version", "server_tokens build;", "/missing", "nginx/1.28.0", "<center>nginx/1.28.0</center>"},
		{"case-insensitive off", "server_tokens OFF;", "/missing", "nginx", "<center>nginx</center>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp := startProxy(t, `server { listen 127.0.0.1:0; `+tt.level+` location / { return 404; } }`, nil)
			resp, err := http.Get("http://" + tp.addr + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if got := resp.Header.Get("Server"); got != tt.wantServer {
				t.Errorf("Server %q, want %q", got, tt.wantServer)
			}
			if !strings.Contains(string(body), tt.wantPageSignature) {
				t.Errorf("error page %q lacks %q", body, tt.wantPageSignature)
			}
		})
	}
}
