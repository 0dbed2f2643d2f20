package proxy

import (
	"crypto/tls"
	"strings"

	"sliceproxy/nginxconf"
)

// serverTLS is one server block's TLS settings.
type serverTLS struct {
	certs     []tls.Certificate
	minVer    uint16
	maxVer    uint16
	ciphers   []uint16
	preferSrv bool
}

// serverTLS loads ssl_certificate/ssl_certificate_key pairs (several allowed:
// Go picks the one matching the client's signature algorithms, like nginx
// with an RSA and an ECDSA certificate), ssl_protocols and ssl_ciphers.
func (l *loader) serverTLS(body []*nginxconf.Directive, _ *locConf) *serverTLS {
	var certs, keys []*nginxconf.Directive
	st := &serverTLS{minVer: tls.VersionTLS12, maxVer: tls.VersionTLS13}
	for _, d := range body {
		switch d.Name {
		case "ssl_certificate":
			certs = append(certs, d)
		case "ssl_certificate_key":
			keys = append(keys, d)
		case "ssl_protocols":
			l.sslProtocols(st, d)
		case "ssl_ciphers":
			st.ciphers = l.sslCiphers(d)
		case "ssl_prefer_server_ciphers":
			st.preferSrv = len(d.Args) == 1 && strings.EqualFold(d.Args[0].Value, "on")
		}
	}
	if len(certs) == 0 {
		return nil
	}
	if len(keys) != len(certs) {
		l.errorf(certs[0].Pos, "ssl", "no \"ssl_certificate_key\" is defined for certificate \"%s\"", certs[0].Args[0].Value)
		return nil
	}
	for i, c := range certs {
		if len(c.Args) != 1 || len(keys[i].Args) != 1 {
			continue
		}
		if strings.IndexByte(c.Args[0].Value, '$') >= 0 {
			l.errorf(c.Pos, "ssl", "certificates with variables are not supported")
			continue
		}
		pair, err := tls.LoadX509KeyPair(l.path(c.Args[0].Value), l.path(keys[i].Args[0].Value))
		if err != nil {
			l.errorf(c.Pos, "ssl", "cannot load certificate \"%s\": %v", c.Args[0].Value, err)
			continue
		}
		st.certs = append(st.certs, pair)
	}
	if len(st.certs) == 0 {
		return nil
	}
	return st
}

// sslProtocols maps ssl_protocols to Go's version range. SSLv2/SSLv3/TLSv1
// and TLSv1.1 are not offered by Go's TLS stack (lint says so).
func (l *loader) sslProtocols(st *serverTLS, d *nginxconf.Directive) {
	var lo, hi uint16
	for _, a := range d.Args {
		var v uint16
		// A bitmask slot in nginx: the words are case-insensitive.
		switch strings.ToLower(a.Value) {
		case "tlsv1.2":
			v = tls.VersionTLS12
		case "tlsv1.3":
			v = tls.VersionTLS13
		case "tlsv1", "tlsv1.1", "sslv2", "sslv3":
			l.warnf(a.Pos, "ssl", "%s is not offered: Go's TLS supports TLSv1.2 and TLSv1.3", a.Value)
			continue
		default:
			l.errorf(a.Pos, "value", "invalid value \"%s\" in \"ssl_protocols\" directive", a.Value)
			continue
		}
		if lo == 0 || v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	if lo != 0 {
		st.minVer, st.maxVer = lo, hi
	}
}

// sslCiphers maps an OpenSSL cipher list to Go's TLS 1.2 suites where the
// names match; TLS 1.3 suites are not configurable in Go.
func (l *loader) sslCiphers(d *nginxconf.Directive) []uint16 {
	if len(d.Args) != 1 {
		return nil
	}
	byName := map[string]uint16{}
	for _, cs := range tls.CipherSuites() {
		byName[openSSLName(cs.Name)] = cs.ID
	}
	var out []uint16
	unknown := 0
	for _, name := range strings.Split(d.Args[0].Value, ":") {
		if id, ok := byName[name]; ok {
			out = append(out, id)
		} else if name != "" && !strings.HasPrefix(name, "!") && !strings.HasPrefix(name, "-") && !strings.HasPrefix(name, "+") {
			unknown++
		}
	}
	if len(out) == 0 {
		if unknown > 0 {
			l.warnf(d.Pos, "ssl", "ssl_ciphers \"%s\" has no cipher Go knows by name: Go's secure defaults apply", d.Args[0].Value)
		}
		return nil
	}
	return out
}

// openSSLName converts Go's "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" to
// OpenSSL's "ECDHE-RSA-AES128-GCM-SHA256".
func openSSLName(goName string) string {
	s := strings.TrimPrefix(goName, "TLS_")
	s = strings.Replace(s, "_WITH_", "_", 1)
	s = strings.ReplaceAll(s, "AES_128", "AES128")
	s = strings.ReplaceAll(s, "AES_256", "AES256")
	s = strings.ReplaceAll(s, "CHACHA20_POLY1305_SHA256", "CHACHA20_POLY1305")
	return strings.ReplaceAll(s, "_", "-")
}

// socketTLS builds the tls.Config of an ssl socket: the certificate comes
// from the server the SNI name selects (server_name rules), else from the
// address's default server.
func (l *loader) socketTLS(s *socketConf) *tls.Config {
	servers := l.rt.servers
	pick := func(name string) *serverTLS {
		idx := s.servers.Default()
		if name != "" {
			if i := s.servers.Select([]byte(strings.ToLower(name)), nil); i >= 0 {
				idx = i
			}
		}
		if idx >= 0 && idx < len(servers) && servers[idx].tls != nil {
			return servers[idx].tls
		}
		for _, sc := range servers {
			if sc.tls != nil {
				return sc.tls
			}
		}
		return nil
	}
	def := pick("")
	if def == nil {
		l.errorf(s.pos, "ssl", "no \"ssl_certificate\" is defined for the listen ... ssl directive in %s", displayAddr(s.network, s.addr))
		return nil
	}
	cfg := &tls.Config{
		MinVersion:   def.minVer,
		MaxVersion:   def.maxVer,
		CipherSuites: def.ciphers,
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			st := pick(hello.ServerName)
			if st == nil {
				st = def
			}
			for i := range st.certs {
				if hello.SupportsCertificate(&st.certs[i]) == nil {
					return &st.certs[i], nil
				}
			}
			return &st.certs[0], nil
		},
	}
	cfg.NextProtos = alpnProtocols(s.http2)
	return cfg
}
