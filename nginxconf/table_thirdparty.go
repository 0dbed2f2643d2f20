package nginxconf

// Common third-party modules found in real nginx/tengine/OpenResty
// deployments, so that they are reported for what they are instead of as
// unknown directives.

func thirdPartyRows() []Spec {
	var rows []Spec
	add := func(m module, specs ...Spec) { rows = append(rows, m.rows(specs...)...) }

	add(module{name: "http_headers_more", origin: originThirdParty, status: Unsupported,
		note: "headers-more does not run: these headers are not changed"},
		d("more_set_headers", ctxHSLI, OneOrMore),
		d("more_clear_headers", ctxHSLI, OneOrMore),
		d("more_set_input_headers", ctxHSLI, OneOrMore),
		d("more_clear_input_headers", ctxHSLI, OneOrMore),
	)
	const setMisc = "set-misc does not run: the variable stays empty"
	var sm []Spec
	for _, name := range []string{"set_unescape_uri", "set_escape_uri", "set_quote_sql_str",
		"set_quote_pgsql_str", "set_quote_json_str", "set_md5", "set_sha1", "set_hmac_sha1",
		"set_hmac_sha256", "set_encode_base64", "set_decode_base64", "set_encode_base32",
		"set_decode_base32", "set_encode_hex", "set_decode_hex", "set_if_empty",
		"set_hashed_upstream", "set_random", "set_secure_random_alphanum",
		"set_secure_random_lcalpha", "set_formatted_gmt_time", "set_formatted_local_time",
		"set_local_today", "set_misc_base32_padding", "set_base32_alphabet", "set_rotate"} {
		sm = append(sm, d(name, ctxScript, Take123))
	}
	add(module{name: "http_set_misc", origin: originThirdParty, status: Unsupported, note: setMisc}, sm...)
	var echo []Spec
	for _, name := range []string{"echo", "echo_duplicate", "echo_flush", "echo_sleep", "echo_blocking_sleep",
		"echo_reset_timer", "echo_read_request_body", "echo_location_async", "echo_location",
		"echo_subrequest_async", "echo_subrequest", "echo_foreach_split", "echo_end",
		"echo_request_body", "echo_exec", "echo_status", "echo_before_body", "echo_after_body"} {
		echo = append(echo, d(name, ctxLI, AnyArgs))
	}
	add(module{name: "http_echo", origin: originThirdParty, status: Unsupported,
		note: "the echo module does not run: this location does not produce that output"}, echo...)
	const vts = "traffic statistics are not collected"
	add(module{name: "http_vhost_traffic_status", origin: originThirdParty, status: Ignored, note: vts},
		d("vhost_traffic_status_zone", CtxHTTP, NoArgs|Take1),
		onOff("vhost_traffic_status", ctxHSL),
		d("vhost_traffic_status_display", ctxHSL, NoArgs).unsup("no traffic status page is served at this location"),
		d("vhost_traffic_status_display_format", ctxHSL, Take1),
		d("vhost_traffic_status_display_jsonp", ctxHSL, Take1),
		d("vhost_traffic_status_filter", ctxHSL, Take1),
		onOff("vhost_traffic_status_filter_by_host", ctxHSL),
		d("vhost_traffic_status_filter_by_set_key", ctxHSL, Take12),
		onOff("vhost_traffic_status_filter_check_duplicate", ctxHSL),
		d("vhost_traffic_status_limit", ctxHSL, Take1),
		d("vhost_traffic_status_dump", CtxHTTP, Take12),
		d("vhost_traffic_status_histogram_buckets", ctxHSL, OneOrMore),
		d("vhost_traffic_status_average_method", ctxHSL, Take12),
		d("vhost_traffic_status_bypass_limit", ctxHSL, Take1),
		d("vhost_traffic_status_bypass_stats", ctxHSL, Take1),
		d("vhost_traffic_status_set_by_filter", ctxHSLI, Take2),
	)
	add(module{name: "http_brotli", origin: originThirdParty, status: Ignored, note: "tunes brotli, which is not implemented"},
		onOff("brotli", ctxHSLI).unsup("responses are not brotli-compressed (same content, more bytes)"),
		enum("brotli_static", ctxHSL, "on", "off", "always").ign("precompressed .br files are not looked for; the plain file is sent"),
		num("brotli_comp_level", ctxHSL),
		d("brotli_types", ctxHSL, OneOrMore),
		d("brotli_buffers", ctxHSL, Take2),
		size("brotli_window", ctxHSL),
		size("brotli_min_length", ctxHSL),
	)
	add(module{name: "http_geoip2", origin: originThirdParty, status: Unsupported,
		note: "MaxMind databases are not read: the variables stay empty"},
		blk("geoip2", CtxHTTP|CtxStream, Take1, CtxGeo),
		d("geoip2_proxy", CtxHTTP, Take1),
		onOff("geoip2_proxy_recursive", CtxHTTP),
	)
	add(module{name: "http_modsecurity", origin: originThirdParty, status: Unsupported,
		note: "ModSecurity does not run: requests are not filtered by a WAF"},
		onOff("modsecurity", ctxHSL),
		d("modsecurity_rules", ctxHSL, Take1),
		d("modsecurity_rules_file", ctxHSL, Take1),
		d("modsecurity_rules_remote", ctxHSL, Take2),
		d("modsecurity_transaction_id", ctxHSL, Take1),
	)
	add(module{name: "http_pagespeed", origin: originThirdParty, status: Unsupported,
		note: "PageSpeed does not run: pages are sent unoptimised"},
		d("pagespeed", ctxHSLI, AnyArgs),
	)
	add(module{name: "http_fastdfs", origin: originThirdParty, status: Unsupported,
		note: "FastDFS files are not served: requests to this location fail"},
		d("ngx_fastdfs_module", CtxLocation, NoArgs),
	)
	add(module{name: "rtmp", origin: originThirdParty, status: Unsupported,
		note: "the RTMP media server is not implemented: these listeners are not opened"},
		blk("rtmp", CtxMain, NoArgs, CtxOpaque),
		d("rtmp_auto_push", CtxMain, Flag),
		msec("rtmp_auto_push_reconnect", CtxMain),
		d("rtmp_stat", CtxLocation, NoArgs|Take1),
		d("rtmp_stat_stylesheet", CtxLocation, Take1),
		d("rtmp_control", CtxLocation, Take1),
	)
	add(module{name: "http_upload_progress", origin: originThirdParty, status: Unsupported,
		note: "upload progress is not tracked"},
		d("upload_progress", CtxHTTP, Take2),
		d("track_uploads", CtxLocation, Take2),
		d("report_uploads", CtxLocation, Take1),
	)
	add(module{name: "http_srcache", origin: originThirdParty, status: Unsupported,
		note: "srcache does not run: responses are neither fetched from nor stored to the cache"},
		d("srcache_fetch", ctxHSLI, TwoOrMore),
		d("srcache_store", ctxHSLI, TwoOrMore),
		d("srcache_fetch_skip", ctxHSLI, Take1),
		d("srcache_store_skip", ctxHSLI, Take1),
	)
	add(module{name: "http_redis2", origin: originThirdParty, status: Unsupported,
		note: "Redis backends are not implemented: requests to this location fail"},
		d("redis2_pass", ctxLI, Take1),
		d("redis2_query", ctxLI, OneOrMore),
		d("redis2_raw_query", ctxLI, Take1),
		d("redis_pass", ctxLI, Take1),
	)
	add(module{name: "http_passenger", origin: originThirdParty, status: Unsupported,
		note: "Phusion Passenger does not run: applications are not started or served"},
		onOff("passenger_enabled", ctxHSLI),
		d("passenger_root", CtxHTTP, Take1),
		d("passenger_ruby", ctxHSL, Take1),
		d("passenger_app_root", ctxHSL, Take1),
	)
	return rows
}
