package rewrite

import (
	"fmt"
	"testing"

	"sliceproxy/vars"
)

func TestErrorPages(t *testing.T) {
	reg := vars.NewRegistry(vars.RegistryOptions{})
	body := parseBlock(t, `
		error_page 404 /404.html;
		error_page 500 502 503 504 /50x.html?from=$status;
		error_page 403 =200 /ok?a=1;
		error_page 410 = @gone;
		error_page 401 =301 http://example.org/login;
		error_page 402 http://example.org/pay;
		error_page 495 /tls;
		error_page 404 /second;
	`)
	ep, diags := CompileErrorPages(body, reg)
	if len(diags) > 0 {
		t.Fatal(diagMessages(diags))
	}
	req := newRequest(reg, "/", "", "")
	tests := map[int]string{
		404: "internal /404.html args=\"\"(false) status=-1",
		502: "internal /50x.html args=\"from=000\"(true) status=-1",
		403: "internal /ok args=\"a=1\"(true) status=200",
		410: "named @gone args=\"\"(false) status=0",
		401: "redirect http://example.org/login args=\"\"(false) status=301",
		402: "redirect http://example.org/pay args=\"\"(false) status=302",
		495: "internal /tls args=\"\"(false) status=400",
		418: "none",
	}
	kinds := map[TargetKind]string{InternalRedirect: "internal", NamedLocation: "named", ExternalRedirect: "redirect"}
	for status, want := range tests {
		p := ep.Lookup(status)
		got := "none"
		if p != nil {
			tg := p.Target(req)
			got = fmt.Sprintf("%s %s args=%q(%v) status=%d", kinds[tg.Kind], tg.URI, tg.Args, tg.HasArgs, tg.Status)
		}
		if got != want {
			t.Errorf("%d: got %s, want %s", status, got, want)
		}
	}
	if none, _ := CompileErrorPages(parseBlock(t, `return 200;`), reg); none != nil {
		t.Error("a block without error_page must give nil (inherit)")
	}
}

func TestErrorPageDiagnostics(t *testing.T) {
	reg := vars.NewRegistry(vars.RegistryOptions{})
	tests := map[string]string{
		`error_page 404;`:           `error: invalid number of arguments in "error_page" directive`,
		`error_page =404 /x;`:       `error: invalid value "=404"`,
		`error_page 404 =abc /x;`:   `error: invalid value "=abc"`,
		`error_page abc /x;`:        `error: invalid value "abc"`,
		`error_page 499 /x;`:        `error: invalid value "499"`,
		`error_page 200 /x;`:        `error: value "200" must be between 300 and 599`,
		`error_page 600 /x;`:        `error: value "600" must be between 300 and 599`,
		`error_page 404 /x$nosuch;`: `error: unknown "nosuch" variable`,
		`error_page 404 500 = /x;`:  ``,
	}
	for conf, want := range tests {
		_, diags := CompileErrorPages(parseBlock(t, conf), reg)
		if got := diagMessages(diags); got != want {
			t.Errorf("%s: got %q, want %q", conf, got, want)
		}
	}
}
