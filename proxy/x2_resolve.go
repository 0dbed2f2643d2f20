package proxy

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// implicitUpstreamError words a failure to resolve the host of a
// proxy_pass without an upstream block the way nginx does at load
// (ngx_http_upstream_add): `host not found in upstream "HOST[:PORT][/URI]"`,
// naming the URL as written after the scheme and nothing of the resolver's
// own text, so that -t output and scripts matching it agree with nginx.
// Other errors pass unchanged.
func implicitUpstreamError(raw string, err error) error {
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) && !strings.HasPrefix(err.Error(), "host not found in upstream ") {
		return err
	}
	url := raw
	if i := strings.Index(url, "://"); i >= 0 {
		url = url[i+3:]
	}
	return fmt.Errorf("host not found in upstream \"%s\"", url)
}
