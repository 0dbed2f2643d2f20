package nginxconf

// nginx's other http modules: the ones a front end commonly carries
// (realip, gzip, limits, access, auth, status) and the rarer ones, so that a
// real configuration never meets "unknown directive" for a stock nginx
// directive.

func httpModuleRows() []Spec {
	var rows []Spec
	add := func(m module, specs ...Spec) { rows = append(rows, m.rows(specs...)...) }

	add(module{name: "http_realip", origin: originNginx, status: Unsupported,
		note: "$remote_addr stays the address of the connecting peer: logs, maps and balancing see the proxy in front, not the client"},
		d("set_real_ip_from", ctxHSL, Take1),
		one("real_ip_header", ctxHSL),
		onOff("real_ip_recursive", ctxHSL),
	)
	const gzipTuning = "tunes gzip, which is not implemented"
	add(module{name: "http_gzip", origin: originNginx, status: Ignored, note: gzipTuning},
		onOff("gzip", ctxHSLI).unsup("responses are sent uncompressed (same content, more bytes); responses the upstream compressed pass through"),
		d("gzip_types", ctxHSL, OneOrMore),
		num("gzip_comp_level", ctxHSL),
		d("gzip_buffers", ctxHSL, Take2).uniq(),
		size("gzip_min_length", ctxHSL),
		enum("gzip_http_version", ctxHSL, "1.0", "1.1"),
		bitmask("gzip_proxied", ctxHSL, "off", "expired", "no-cache", "no-store", "private", "no_last_modified", "no_etag", "auth", "any"),
		onOff("gzip_vary", ctxHSL),
		d("gzip_disable", ctxHSL, OneOrMore),
		num("gzip_window", ctxHSL),
		num("gzip_hash", ctxHSL),
		size("postpone_gzipping", ctxHSL),
		onOff("gzip_no_buffer", ctxHSL),
	)
	add(module{name: "http_gunzip", origin: originNginx, status: Unsupported,
		note: "compressed upstream responses are passed compressed even to clients without gzip support"},
		onOff("gunzip", ctxHSL),
		d("gunzip_buffers", ctxHSL, Take2).uniq().ign("tunes gunzip, which is not implemented"),
	)
	add(module{name: "http_gzip_static", origin: originNginx, status: Ignored,
		note: "precompressed .gz files are not looked for; the plain file is sent"},
		enum("gzip_static", ctxHSL, "on", "off", "always"),
	)
	const noLimitReq = "requests are not rate limited: bursts reach the upstream"
	add(module{name: "http_limit_req", origin: originNginx, status: Ignored, note: "tunes limit_req, which is not implemented"},
		d("limit_req_zone", CtxHTTP, Take3).unsup(noLimitReq),
		d("limit_req", ctxHSL, Take123).unsup(noLimitReq),
		enum("limit_req_log_level", ctxHSL, "info", "notice", "warn", "error"),
		num("limit_req_status", ctxHSL),
		onOff("limit_req_dry_run", ctxHSL),
	)
	const noLimitConn = "concurrent connections per key are not limited"
	add(module{name: "http_limit_conn", origin: originNginx, status: Ignored, note: "tunes limit_conn, which is not implemented"},
		d("limit_conn_zone", CtxHTTP, Take2).unsup(noLimitConn),
		d("limit_conn", ctxHSL, Take2).unsup(noLimitConn),
		enum("limit_conn_log_level", ctxHSL, "info", "notice", "warn", "error"),
		num("limit_conn_status", ctxHSL),
		onOff("limit_conn_dry_run", ctxHSL),
	)
	// The limit_except rows stay apart from the http/server/location ones
	// (proxy/s1_limit_except.go applies both).
	add(module{name: "http_access", origin: originNginx, status: Implemented},
		d("allow", ctxHSL, Take1).impl(),
		d("allow", CtxLimitExcept, Take1).impl(),
		d("deny", ctxHSL, Take1).impl(),
		d("deny", CtxLimitExcept, Take1).impl(),
	)
	add(module{name: "http_auth_basic", origin: originNginx, status: Implemented},
		d("auth_basic", ctxHSL|CtxLimitExcept, Take1).uniq().impl(),
		d("auth_basic_user_file", ctxHSL|CtxLimitExcept, Take1).uniq().impl(),
	)
	add(module{name: "http_auth_request", origin: originNginx, status: Unsupported,
		note: "the authorization subrequest is not made: every request is let in"},
		d("auth_request", ctxHSL, Take1).uniq(),
		d("auth_request_set", ctxHSL, Take2),
	)
	add(module{name: "http_autoindex", origin: originNginx, status: Unsupported,
		note: "directory listings are not generated: a directory without index file gets 403"},
		onOff("autoindex", ctxHSL),
		enum("autoindex_format", ctxHSL, "html", "xml", "json", "jsonp").ign("tunes autoindex, which is not implemented"),
		onOff("autoindex_localtime", ctxHSL).ign("tunes autoindex, which is not implemented"),
		onOff("autoindex_exact_size", ctxHSL).ign("tunes autoindex, which is not implemented"),
	)
	add(module{name: "http_stub_status", origin: originNginx, status: Unsupported,
		note: "no status page is served at this location"},
		d("stub_status", ctxSL, NoArgs|Take1),
	)
	add(module{name: "http_sub", origin: originNginx, status: Unsupported,
		note: "response bodies are not rewritten"},
		d("sub_filter", ctxHSL, Take2),
		d("sub_filter_types", ctxHSL, OneOrMore).ign("tunes sub_filter, which is not implemented"),
		onOff("sub_filter_once", ctxHSL).ign("tunes sub_filter, which is not implemented"),
		onOff("sub_filter_last_modified", ctxHSL).ign("tunes sub_filter, which is not implemented"),
	)
	add(module{name: "http_ssi", origin: originNginx, status: Unsupported, note: "server-side includes are sent unprocessed"},
		onOff("ssi", ctxHSLI),
		onOff("ssi_silent_errors", ctxHSL).ign("tunes ssi, which is not implemented"),
		onOff("ssi_ignore_recycled_buffers", ctxHSL).ign("tunes ssi, which is not implemented"),
		size("ssi_min_file_chunk", ctxHSL).ign("tunes ssi, which is not implemented"),
		size("ssi_value_length", ctxHSL).ign("tunes ssi, which is not implemented"),
		d("ssi_types", ctxHSL, OneOrMore).ign("tunes ssi, which is not implemented"),
		onOff("ssi_last_modified", ctxHSL).ign("tunes ssi, which is not implemented"),
	)
	add(module{name: "http_charset", origin: originNginx, status: Unsupported,
		note: "no charset is added to Content-Type and bodies are not recoded"},
		d("charset", ctxHSLI, Take1).uniq(),
		d("source_charset", ctxHSLI, Take1).uniq(),
		onOff("override_charset", ctxHSLI),
		d("charset_types", ctxHSL, OneOrMore).ign("tunes charset, which is not implemented"),
		blk("charset_map", CtxHTTP, Take2, CtxOpaque).ign("recoding tables for charset, which is not implemented"),
	)
	add(module{name: "http_geo", origin: originNginx, status: Unsupported,
		note: "the variable is not set from the client address: it stays empty"},
		blk("geo", CtxHTTP, Take12, CtxGeo),
	)
	add(module{name: "http_geoip", origin: originNginx, status: Unsupported,
		note: "GeoIP databases are not read: $geoip_* variables stay empty"},
		d("geoip_country", CtxHTTP, Take12),
		d("geoip_city", CtxHTTP, Take12),
		d("geoip_org", CtxHTTP, Take12),
		d("geoip_proxy", CtxHTTP, Take1),
		onOff("geoip_proxy_recursive", CtxHTTP),
	)
	add(module{name: "http_split_clients", origin: originNginx, status: Unsupported,
		note: "the variable is not set: it stays empty"},
		blk("split_clients", CtxHTTP, Take2, CtxGeo),
	)
	add(module{name: "http_referer", origin: originNginx, status: Unsupported,
		note: "$invalid_referer is never set: referer checks let everything through"},
		d("valid_referers", ctxSL, OneOrMore),
		num("referer_hash_max_size", ctxSL).ign("sliceproxy uses Go maps, which need no size tuning"),
		num("referer_hash_bucket_size", ctxSL).ign("sliceproxy uses Go maps, which need no size tuning"),
	)
	add(module{name: "http_secure_link", origin: originNginx, status: Unsupported,
		note: "$secure_link is never set: protected links are not checked"},
		one("secure_link", ctxHSL),
		one("secure_link_md5", ctxHSL),
		one("secure_link_secret", ctxHSL),
	)
	add(module{name: "http_userid", origin: originNginx, status: Unsupported,
		note: "no identifying cookie is set; $uid_* stay empty"},
		enum("userid", ctxHSL, "on", "v1", "log", "off"),
		one("userid_name", ctxHSL).ign("tunes userid, which is not implemented"),
		one("userid_domain", ctxHSL).ign("tunes userid, which is not implemented"),
		one("userid_path", ctxHSL).ign("tunes userid, which is not implemented"),
		sec("userid_expires", ctxHSL).ign("tunes userid, which is not implemented"),
		one("userid_p3p", ctxHSL).ign("tunes userid, which is not implemented"),
		one("userid_mark", ctxHSL).ign("tunes userid, which is not implemented"),
		one("userid_service", ctxHSL).ign("tunes userid, which is not implemented"),
		d("userid_flags", ctxHSL, Take123).ign("tunes userid, which is not implemented"),
	)
	add(module{name: "http_empty_gif", origin: originNginx, status: Unsupported, note: "the 1x1 GIF is not served"},
		d("empty_gif", CtxLocation, NoArgs),
	)
	add(module{name: "http_browser", origin: originNginx, status: Unsupported,
		note: "$ancient_browser / $modern_browser are never set"},
		d("ancient_browser", ctxHSL, OneOrMore),
		d("modern_browser", ctxHSL, Take12),
		d("ancient_browser_value", ctxHSL, Take1),
		d("modern_browser_value", ctxHSL, Take1),
	)
	add(module{name: "http_addition", origin: originNginx, status: Unsupported, note: "nothing is added before or after response bodies"},
		one("add_before_body", ctxHSL),
		one("add_after_body", ctxHSL),
		d("addition_types", ctxHSL, OneOrMore).ign("tunes addition, which is not implemented"),
	)
	add(module{name: "http_dav", origin: originNginx, status: Unsupported, note: "WebDAV methods are not served from disk"},
		d("dav_methods", ctxHSL, OneOrMore),
		onOff("create_full_put_path", ctxHSL),
		d("dav_access", ctxHSL, Take123),
		num("min_delete_depth", ctxHSL),
	)
	add(module{name: "http_flv", origin: originNginx, status: Unsupported, note: "FLV pseudo-streaming (?start=) is not done; the whole file is sent"},
		d("flv", CtxLocation, NoArgs),
	)
	add(module{name: "http_mp4", origin: originNginx, status: Unsupported, note: "MP4 pseudo-streaming (?start=) is not done; the whole file is sent"},
		d("mp4", CtxLocation, NoArgs),
		size("mp4_buffer_size", ctxHSL).ign("tunes mp4, which is not implemented"),
		size("mp4_max_buffer_size", ctxHSL).ign("tunes mp4, which is not implemented"),
		enum("mp4_limit_rate", ctxHSL, "on", "off").ign("tunes mp4, which is not implemented"),
		msec("mp4_limit_rate_after", ctxHSL).ign("tunes mp4, which is not implemented"),
		onOff("mp4_start_key_frame", ctxHSL).ign("tunes mp4, which is not implemented"),
	)
	add(module{name: "http_random_index", origin: originNginx, status: Unsupported, note: "the index file is chosen by the index directive, not at random"},
		onOff("random_index", CtxLocation),
	)
	add(module{name: "http_slice", origin: originNginx, status: Unsupported, note: "requests are not split into byte-range subrequests"},
		size("slice", ctxHSL),
	)
	add(module{name: "http_image_filter", origin: originNginx, status: Unsupported, note: "images are sent unchanged"},
		d("image_filter", CtxLocation, Take123),
		size("image_filter_buffer", ctxHSL).ign("tunes image_filter, which is not implemented"),
		one("image_filter_jpeg_quality", ctxHSL).ign("tunes image_filter, which is not implemented"),
		one("image_filter_webp_quality", ctxHSL).ign("tunes image_filter, which is not implemented"),
		one("image_filter_sharpen", ctxHSL).ign("tunes image_filter, which is not implemented"),
		onOff("image_filter_transparency", ctxHSL).ign("tunes image_filter, which is not implemented"),
		onOff("image_filter_interlace", ctxHSL).ign("tunes image_filter, which is not implemented"),
	)
	add(module{name: "http_perl", origin: originNginx, status: Unsupported, note: "embedded Perl does not run"},
		d("perl_modules", CtxHTTP, Take1),
		d("perl_require", CtxHTTP, Take1),
		d("perl", ctxLI, Take1),
		d("perl_set", CtxHTTP, Take2),
	)
	add(module{name: "http_xslt", origin: originNginx, status: Unsupported, note: "XML responses are not transformed"},
		d("xslt_stylesheet", CtxLocation, OneOrMore),
		d("xml_entities", ctxHSL, Take1).ign("tunes xslt, which is not implemented"),
		d("xslt_types", ctxHSL, OneOrMore).ign("tunes xslt, which is not implemented"),
		d("xslt_param", ctxHSL, Take2).ign("tunes xslt, which is not implemented"),
		d("xslt_string_param", ctxHSL, Take2).ign("tunes xslt, which is not implemented"),
		onOff("xslt_last_modified", ctxHSL).ign("tunes xslt, which is not implemented"),
	)
	add(module{name: "http_mirror", origin: originNginx, status: Unsupported, note: "requests are not mirrored"},
		d("mirror", ctxHSL, Take1),
		onOff("mirror_request_body", ctxHSL).ign("tunes mirror, which is not implemented"),
	)
	add(module{name: "http_js", origin: originNginx, status: Unsupported, note: "njs (JavaScript) code does not run"},
		d("js_import", ctxHSL, Take13),
		d("js_include", CtxHTTP, Take1),
		d("js_path", ctxHSL, Take1),
		d("js_content", ctxLI|CtxLimitExcept, Take1),
		d("js_set", ctxHSL, Take23),
		d("js_var", ctxHSL, Take12),
		d("js_access", ctxHSL, Take1),
		d("js_header_filter", ctxHSL, Take1),
		d("js_body_filter", ctxHSL, Take12),
		d("js_preload_object", ctxHSL, Take13),
		d("js_shared_dict_zone", CtxHTTP, OneOrMore),
		d("js_periodic", CtxLocation, OneOrMore),
		d("js_engine", ctxHSL, Take1),
		d("js_fetch_trusted_certificate", ctxHSL, Take1).ign("tunes njs, which does not run"),
		d("js_fetch_timeout", ctxHSL, Take1).ign("tunes njs, which does not run"),
	)
	add(module{name: "http_plus", origin: originNginx, status: Unsupported, note: "an NGINX Plus feature that sliceproxy does not have"},
		d("api", CtxLocation, NoArgs|Take1),
		d("health_check", CtxLocation, AnyArgs),
		blk("match", CtxHTTP, Take1, CtxOpaque),
		d("status_zone", ctxSL, Take1).ign("NGINX Plus statistics are not collected"),
		d("auth_jwt", ctxHSL|CtxLimitExcept, Take12),
		d("auth_jwt_key_file", ctxHSL|CtxLimitExcept, Take1),
		d("keyval_zone", CtxHTTP, OneOrMore),
		d("keyval", CtxHTTP, Take3),
	)
	return rows
}
