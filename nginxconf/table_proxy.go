package nginxconf

import "strings"

// Directives of upstream groups, their balancers and keepalive, the proxy
// module, and the proxy module's siblings (FastCGI, uwsgi, SCGI, gRPC,
// memcached) that sliceproxy does not speak.

func upstreamRows() []Spec {
	up := module{name: "http_upstream", origin: originNginx}
	ka := module{name: "http_upstream_keepalive", origin: originNginx}
	var rows []Spec
	rows = append(rows, up.rows(
		blk("upstream", CtxHTTP, Take1, CtxUpstream).impl(),
		d("server", CtxUpstream, OneOrMore).impl(),
	)...)
	rows = append(rows, module{name: "http_upstream_least_conn", origin: originNginx}.rows(
		d("least_conn", CtxUpstream, NoArgs).impl(),
	)...)
	rows = append(rows, module{name: "http_upstream_ip_hash", origin: originNginx}.rows(
		d("ip_hash", CtxUpstream, NoArgs).impl(),
	)...)
	rows = append(rows, module{name: "http_upstream_hash", origin: originNginx}.rows(
		d("hash", CtxUpstream, Take12).impl(),
	)...)
	rows = append(rows, module{name: "http_upstream_random", origin: originNginx}.rows(
		d("random", CtxUpstream, NoArgs|Take12).impl(),
	)...)
	rows = append(rows, module{name: "http_upstream_zone", origin: originNginx}.rows(
		d("zone", CtxUpstream, Take12).uniq().ign("sliceproxy is one process: upstream state is shared without a shared-memory zone"),
	)...)
	rows = append(rows, ka.rows(
		// keepalive N [local] [slice_key=K] [slice_conn=N] [slice_dyn=$V]
		// [slice_poolsize=N] [slice_keylen=N]: nginx's and tengine's sliced form.
		d("keepalive", CtxUpstream, OneOrMore).uniq().impl(),
		msec("keepalive_timeout", CtxUpstream).impl(),
		num("keepalive_requests", CtxUpstream).impl(),
		msec("keepalive_time", CtxUpstream).impl(),
	)...)
	rows = append(rows, module{name: "http_upstream_plus", origin: originNginx, status: Unsupported}.rows(
		d("sticky", CtxUpstream, OneOrMore).unsup("no session persistence: requests are balanced by the upstream's method"),
		d("queue", CtxUpstream, Take12).unsup("requests are not queued when every peer is at max_conns; they fail at once"),
		d("ntlm", CtxUpstream, NoArgs).unsup("NTLM connection binding is not done; NTLM authentication will fail"),
		one("state", CtxUpstream).unsup("peers are taken from the configuration only"),
		d("least_time", CtxUpstream, Take12).unsup("balancing falls back to round-robin"),
	)...)
	return rows
}

func proxyRows() []Spec {
	m := module{name: "http_proxy", origin: originNginx}
	const noCache = "responses are not cached: every request goes to the upstream"
	const cacheTuning = "tunes proxy_cache, which is not implemented"
	const noBuffers = "sliceproxy streams responses through its own fixed buffers; there is nothing to size"
	const noTemp = "responses are never spooled to temporary files"
	const noUpstreamTLS = "TLS to upstreams (proxy_pass https://) is not implemented"
	return m.rows(
		d("proxy_pass", ctxLI|CtxLimitExcept, Take1).uniq().impl(),
		d("proxy_set_header", ctxHSL, Take2).impl(),
		enum("proxy_http_version", ctxHSL, "1.0", "1.1").impl(),
		onOff("proxy_pass_request_headers", ctxHSL).impl(),
		onOff("proxy_pass_request_body", ctxHSL).impl(),
		d("proxy_hide_header", ctxHSL, Take1).impl(),
		d("proxy_pass_header", ctxHSL, Take1).impl(),
		d("proxy_redirect", ctxHSL, Take12).impl(),
		msec("proxy_connect_timeout", ctxHSL).impl(),
		msec("proxy_send_timeout", ctxHSL).impl(),
		msec("proxy_read_timeout", ctxHSL).impl(),
		bitmask("proxy_next_upstream", ctxHSL, nextUpstreamWords()...).impl(),
		num("proxy_next_upstream_tries", ctxHSL).impl(),
		msec("proxy_next_upstream_timeout", ctxHSL).impl(),
		onOff("proxy_buffering", ctxHSL).impl(),
		onOff("proxy_request_buffering", ctxHSL).impl(),
		onOff("proxy_ignore_client_abort", ctxHSL).impl(),
		onOff("proxy_intercept_errors", ctxHSL).impl(),
		size("proxy_buffer_size", ctxHSL).impl(),
		size("proxy_send_lowat", ctxHSL).ign("socket option tuning only"),
		d("proxy_buffers", ctxHSL, Take2).uniq().ign(noBuffers),
		size("proxy_busy_buffers_size", ctxHSL).ign(noBuffers),
		d("proxy_temp_path", ctxHSL, Take1234).uniq().ign(noTemp),
		offset("proxy_max_temp_file_size", ctxHSL).ign(noTemp),
		size("proxy_temp_file_write_size", ctxHSL).ign(noTemp),
		num("proxy_headers_hash_max_size", ctxHSL).ign("sliceproxy uses Go maps, which need no size tuning"),
		num("proxy_headers_hash_bucket_size", ctxHSL).ign("sliceproxy uses Go maps, which need no size tuning"),
		onOff("proxy_socket_keepalive", ctxHSL).impl(),
		d("proxy_cache", ctxHSL, Take1).uniq().unsup(noCache),
		d("proxy_cache_path", CtxHTTP, TwoOrMore).unsup(noCache),
		d("proxy_cache_key", ctxHSL, Take1).uniq().ign(cacheTuning),
		d("proxy_cache_valid", ctxHSL, OneOrMore).ign(cacheTuning),
		d("proxy_cache_bypass", ctxHSL, OneOrMore).ign(cacheTuning),
		d("proxy_no_cache", ctxHSL, OneOrMore).ign(cacheTuning),
		bitmask("proxy_cache_use_stale", ctxHSL, "error", "timeout", "invalid_header", "updating", "http_500", "http_502", "http_503", "http_504", "http_403", "http_404", "http_429", "off").ign(cacheTuning),
		d("proxy_cache_methods", ctxHSL, OneOrMore).ign(cacheTuning),
		num("proxy_cache_min_uses", ctxHSL).ign(cacheTuning),
		onOff("proxy_cache_lock", ctxHSL).ign(cacheTuning),
		msec("proxy_cache_lock_timeout", ctxHSL).ign(cacheTuning),
		msec("proxy_cache_lock_age", ctxHSL).ign(cacheTuning),
		onOff("proxy_cache_revalidate", ctxHSL).ign(cacheTuning),
		onOff("proxy_cache_convert_head", ctxHSL).ign(cacheTuning),
		onOff("proxy_cache_background_update", ctxHSL).ign(cacheTuning),
		offset("proxy_cache_max_range_offset", ctxHSL).ign(cacheTuning),
		d("proxy_cache_purge", ctxHSL, OneOrMore).ign(cacheTuning),
		d("proxy_store", ctxHSL, Take1).uniq().unsup("responses are not stored to disk"),
		d("proxy_store_access", ctxHSL, Take123).uniq().ign("tunes proxy_store, which is not implemented"),
		d("proxy_ignore_headers", ctxHSL, OneOrMore).unsup("X-Accel-* and caching headers from the upstream are passed without acting on them"),
		d("proxy_method", ctxHSL, Take1).uniq().impl(),
		d("proxy_set_body", ctxHSL, Take1).uniq().unsup("the client's body is sent to the upstream unchanged"),
		d("proxy_bind", ctxHSL, Take12).uniq().unsup("upstream connections use the kernel's choice of source address"),
		d("proxy_cookie_domain", ctxHSL, Take12).unsup("Set-Cookie domains pass unchanged"),
		d("proxy_cookie_path", ctxHSL, Take12).unsup("Set-Cookie paths pass unchanged"),
		d("proxy_cookie_flags", ctxHSL, Take1234).unsup("Set-Cookie flags pass unchanged"),
		d("proxy_limit_rate", ctxHSL, Take1).uniq().unsup("upstream reads are not rate limited"),
		onOff("proxy_force_ranges", ctxHSL).unsup("byte ranges are only served when the upstream supports them"),
		onOff("proxy_pass_trailers", ctxHSL).unsup(notConfigurableTrailers),
		d("proxy_ssl_certificate", ctxHSL, Take1).uniq().unsup(noUpstreamTLS),
		d("proxy_ssl_certificate_key", ctxHSL, Take1).uniq().unsup(noUpstreamTLS),
		d("proxy_ssl_ciphers", ctxHSL, Take1).uniq().unsup(noUpstreamTLS),
		bitmask("proxy_ssl_protocols", ctxHSL, sslProtocolWords()...).unsup(noUpstreamTLS),
		d("proxy_ssl_name", ctxHSL, Take1).uniq().unsup(noUpstreamTLS),
		onOff("proxy_ssl_server_name", ctxHSL).unsup(noUpstreamTLS),
		onOff("proxy_ssl_verify", ctxHSL).unsup(noUpstreamTLS),
		num("proxy_ssl_verify_depth", ctxHSL).unsup(noUpstreamTLS),
		d("proxy_ssl_trusted_certificate", ctxHSL, Take1).uniq().unsup(noUpstreamTLS),
		d("proxy_ssl_crl", ctxHSL, Take1).uniq().unsup(noUpstreamTLS),
		onOff("proxy_ssl_session_reuse", ctxHSL).unsup(noUpstreamTLS),
		d("proxy_ssl_password_file", ctxHSL, Take1).unsup(noUpstreamTLS),
		d("proxy_ssl_conf_command", ctxHSL, Take2).unsup(noUpstreamTLS),
	)
}

const notConfigurableTrailers = "upstream trailers are passed as nginx's default does; not configurable yet"

// proxyFamilyRows lists FastCGI, uwsgi, SCGI and gRPC: modules shaped like the
// proxy module. Their *_pass is unsupported (the location would not work);
// the tuning directives only matter together with *_pass and are ignored.
func proxyFamilyRows() []Spec {
	type family struct {
		prefix, module, what string
		extra                []Spec
	}
	families := []family{
		{"fastcgi", "http_fastcgi", "FastCGI", []Spec{
			d("fastcgi_param", ctxHSL, Take23),
			one("fastcgi_index", ctxHSL),
			size("fastcgi_send_lowat", ctxHSL),
			d("fastcgi_split_path_info", ctxHSL, Take1),
			onOff("fastcgi_keep_conn", ctxHSL),
			d("fastcgi_catch_stderr", ctxHSL, Take1),
		}},
		{"uwsgi", "http_uwsgi", "uwsgi", []Spec{
			d("uwsgi_param", ctxHSL, Take23),
			num("uwsgi_modifier1", ctxHSL),
			num("uwsgi_modifier2", ctxHSL),
			one("uwsgi_string", ctxHSL),
		}},
		{"scgi", "http_scgi", "SCGI", []Spec{
			d("scgi_param", ctxHSL, Take23),
		}},
		{"grpc", "http_grpc", "gRPC", []Spec{
			d("grpc_set_header", ctxHSL, Take2),
		}},
	}
	var rows []Spec
	for _, f := range families {
		m := module{name: f.module, origin: originNginx, status: Ignored,
			note: "only matters with " + f.prefix + "_pass, which is unsupported"}
		p := f.prefix + "_"
		specs := []Spec{
			d(p+"pass", ctxLI, Take1).uniq().unsup(f.what + " backends are not implemented: requests to this location fail"),
			msec(p+"connect_timeout", ctxHSL),
			msec(p+"send_timeout", ctxHSL),
			msec(p+"read_timeout", ctxHSL),
			size(p+"buffer_size", ctxHSL),
			d(p+"buffers", ctxHSL, Take2).uniq(),
			size(p+"busy_buffers_size", ctxHSL),
			onOff(p+"buffering", ctxHSL),
			onOff(p+"request_buffering", ctxHSL),
			d(p+"hide_header", ctxHSL, Take1),
			d(p+"pass_header", ctxHSL, Take1),
			d(p+"ignore_headers", ctxHSL, OneOrMore),
			onOff(p+"intercept_errors", ctxHSL),
			onOff(p+"ignore_client_abort", ctxHSL),
			d(p+"next_upstream", ctxHSL, OneOrMore),
			num(p+"next_upstream_tries", ctxHSL),
			msec(p+"next_upstream_timeout", ctxHSL),
			d(p+"temp_path", ctxHSL, Take1234).uniq(),
			offset(p+"max_temp_file_size", ctxHSL),
			size(p+"temp_file_write_size", ctxHSL),
			d(p+"bind", ctxHSL, Take12).uniq(),
			onOff(p+"socket_keepalive", ctxHSL),
			onOff(p+"pass_request_headers", ctxHSL),
			onOff(p+"pass_request_body", ctxHSL),
			d(p+"cache", ctxHSL, Take1).uniq(),
			d(p+"cache_path", CtxHTTP, TwoOrMore),
			d(p+"cache_key", ctxHSL, Take1).uniq(),
			d(p+"cache_valid", ctxHSL, OneOrMore),
			d(p+"cache_bypass", ctxHSL, OneOrMore),
			d(p+"no_cache", ctxHSL, OneOrMore),
			d(p+"cache_use_stale", ctxHSL, OneOrMore),
			d(p+"cache_methods", ctxHSL, OneOrMore),
			num(p+"cache_min_uses", ctxHSL),
			onOff(p+"cache_lock", ctxHSL),
			msec(p+"cache_lock_timeout", ctxHSL),
			msec(p+"cache_lock_age", ctxHSL),
			offset(p+"cache_max_range_offset", ctxHSL),
			onOff(p+"cache_revalidate", ctxHSL),
			onOff(p+"cache_background_update", ctxHSL),
			d(p+"store", ctxHSL, Take1).uniq(),
			d(p+"store_access", ctxHSL, Take123).uniq(),
			d(p+"limit_rate", ctxHSL, Take1).uniq(),
			onOff(p+"force_ranges", ctxHSL),
			d(p+"ssl_certificate", ctxHSL, Take1).uniq(),
			d(p+"ssl_certificate_key", ctxHSL, Take1).uniq(),
			d(p+"ssl_ciphers", ctxHSL, Take1).uniq(),
			d(p+"ssl_protocols", ctxHSL, OneOrMore),
			d(p+"ssl_name", ctxHSL, Take1).uniq(),
			onOff(p+"ssl_server_name", ctxHSL),
			onOff(p+"ssl_verify", ctxHSL),
			d(p+"ssl_trusted_certificate", ctxHSL, Take1).uniq(),
			onOff(p+"ssl_session_reuse", ctxHSL),
			d(p+"ssl_crl", ctxHSL, Take1).uniq(),
			d(p+"ssl_password_file", ctxHSL, Take1).uniq(),
			num(p+"ssl_verify_depth", ctxHSL),
			d(p+"ssl_conf_command", ctxHSL, Take2),
		}
		if f.prefix == "fastcgi" || f.prefix == "scgi" {
			// only proxy, uwsgi and grpc speak TLS to their backends.
			kept := specs[:0]
			for _, s := range specs {
				if !strings.HasPrefix(s.Name[len(p):], "ssl_") {
					kept = append(kept, s)
				}
			}
			specs = kept
		}
		if f.prefix == "grpc" {
			// grpc has no cache, store, buffering or temp files.
			kept := specs[:0]
			for _, s := range specs {
				switch s.Name[len(p):] {
				case "buffers", "busy_buffers_size", "buffering", "request_buffering", "temp_path",
					"max_temp_file_size", "temp_file_write_size", "pass_request_headers",
					"pass_request_body", "store", "store_access", "limit_rate", "force_ranges",
					"ignore_client_abort":
					continue
				}
				if strings.HasPrefix(s.Name[len(p):], "cache") || s.Name == p+"no_cache" {
					continue
				}
				kept = append(kept, s)
			}
			specs = kept
		}
		rows = append(rows, m.rows(append(specs, f.extra...)...)...)
	}
	memc := module{name: "http_memcached", origin: originNginx, status: Ignored,
		note: "only matters with memcached_pass, which is unsupported"}
	rows = append(rows, memc.rows(
		d("memcached_pass", ctxLI, Take1).uniq().unsup("memcached backends are not implemented: requests to this location fail"),
		msec("memcached_connect_timeout", ctxHSL),
		msec("memcached_send_timeout", ctxHSL),
		msec("memcached_read_timeout", ctxHSL),
		size("memcached_buffer_size", ctxHSL),
		d("memcached_next_upstream", ctxHSL, OneOrMore),
		num("memcached_next_upstream_tries", ctxHSL),
		msec("memcached_next_upstream_timeout", ctxHSL),
		d("memcached_bind", ctxHSL, Take12).uniq(),
		onOff("memcached_socket_keepalive", ctxHSL),
		one("memcached_gzip_flag", ctxHSL),
	)...)
	return rows
}
