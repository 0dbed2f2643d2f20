package nginxconf

// OpenResty's lua-nginx-module. Lua code does not run in sliceproxy; the
// parser keeps *_by_lua_block bodies as raw text so the rest of the
// configuration still reads correctly.

func openrestyRows() []Spec {
	const luaConfig = "configures Lua, which does not run"
	m := module{name: "http_lua", origin: originOpenResty, status: Ignored, note: luaConfig}

	// phase says what is skipped when the Lua code of a phase does not run.
	type phase struct {
		name string
		ctx  Context
		// args are the arguments before the code (set_by_lua's $target).
		args ArgRule
		note string
	}
	phases := []phase{
		{"init", CtxHTTP, 0, "Lua code does not run: nothing it sets up at start exists"},
		{"init_worker", CtxHTTP, 0, "Lua code does not run: nothing it sets up at start exists"},
		{"exit_worker", CtxHTTP, 0, "Lua code does not run at exit"},
		{"set", ctxScript, Take1, "Lua code does not run: the variable stays empty"},
		{"server_rewrite", ctxHS, 0, "Lua code does not run: requests are not rewritten, redirected or refused by it"},
		{"rewrite", ctxHSLI, 0, "Lua code does not run: requests are not rewritten, redirected or refused by it"},
		{"access", ctxHSLI, 0, "Lua code does not run: access is not checked by it; every request is let in"},
		{"content", ctxLI, 0, "Lua code does not run: this location does not produce its content"},
		{"header_filter", ctxHSLI, 0, "Lua code does not run: response headers are not changed by it"},
		{"body_filter", ctxHSLI, 0, "Lua code does not run: response bodies are not changed by it"},
		{"log", ctxHSLI, 0, "Lua code does not run: its logging or accounting does not happen"},
		{"balancer", CtxUpstream, 0, "Lua code does not run: peers are chosen by the upstream's own method"},
		{"ssl_certificate", CtxServer, 0, "Lua code does not run: certificates come from ssl_certificate only"},
		{"ssl_client_hello", CtxServer, 0, "Lua code does not run at the TLS client hello"},
		{"ssl_session_fetch", CtxHTTP, 0, "Lua code does not run: TLS sessions are Go's"},
		{"ssl_session_store", CtxHTTP, 0, "Lua code does not run: TLS sessions are Go's"},
	}
	var specs []Spec
	for _, p := range phases {
		inline := p.args | Take1 // the code itself
		file := p.args | Take1
		if p.args != 0 {
			// set_by_lua $res 'code' [args...]; set_by_lua_file $res path [args...]
			inline, file = TwoOrMore, TwoOrMore
		}
		blockArgs := NoArgs
		if p.args != 0 {
			blockArgs = Take1
		}
		specs = append(specs,
			d(p.name+"_by_lua", p.ctx, inline).unsup(p.note),
			d(p.name+"_by_lua_file", p.ctx, file).unsup(p.note),
			luaBlock(p.name+"_by_lua_block", p.ctx, blockArgs).unsup(p.note),
		)
	}
	specs = append(specs,
		d("lua_package_path", CtxHTTP, Take1),
		d("lua_package_cpath", CtxHTTP, Take1),
		onOff("lua_code_cache", ctxHSL),
		d("lua_shared_dict", CtxHTTP, Take2),
		onOff("lua_need_request_body", ctxHSL),
		num("lua_max_pending_timers", CtxHTTP),
		num("lua_max_running_timers", CtxHTTP),
		num("lua_regex_cache_max_entries", CtxHTTP),
		num("lua_regex_match_limit", CtxHTTP),
		onOff("lua_http10_buffering", ctxHSL),
		onOff("lua_check_client_abort", ctxHSL),
		onOff("lua_use_default_type", ctxHSL),
		onOff("lua_transform_underscores_in_response_headers", ctxHSL),
		onOff("lua_socket_log_errors", ctxHSL),
		num("lua_socket_pool_size", ctxHSL),
		msec("lua_socket_keepalive_timeout", ctxHSL),
		msec("lua_socket_connect_timeout", ctxHSL),
		msec("lua_socket_send_timeout", ctxHSL),
		msec("lua_socket_read_timeout", ctxHSL),
		size("lua_socket_buffer_size", ctxHSL),
		size("lua_socket_send_lowat", ctxHSL),
		d("lua_ssl_trusted_certificate", ctxHSL, Take1),
		num("lua_ssl_verify_depth", ctxHSL),
		d("lua_ssl_protocols", ctxHSL, OneOrMore),
		d("lua_ssl_ciphers", ctxHSL, Take1),
		d("lua_ssl_crl", ctxHSL, Take1),
		d("lua_ssl_certificate", ctxHSL, Take1),
		d("lua_ssl_certificate_key", ctxHSL, Take1),
		d("lua_ssl_conf_command", ctxHSL, Take2),
		d("lua_ssl_key_log", ctxHSL, Take1),
		d("lua_capture_error_log", CtxHTTP, Take1),
		onOff("lua_sa_restart", CtxHTTP),
		onOff("lua_load_resty_core", CtxHTTP),
		d("lua_thread_cache_max_entries", CtxHTTP, Take1),
		d("lua_worker_thread_vm_pool_size", CtxHTTP, Take1),
		d("lua_malloc_trim", CtxHTTP, Take1),
		d("lua_fake_shm", CtxHTTP, Take2),
		onOff("access_by_lua_no_postpone", CtxHTTP),
		onOff("rewrite_by_lua_no_postpone", CtxHTTP),
		d("lua_add_variable", CtxStream, Take1),
	)
	rows := m.rows(specs...)

	// ngx_stream_lua_module: the same phases in stream {}; all inside stream,
	// which is not implemented as a whole.
	st := module{name: "stream_lua", origin: originOpenResty, status: Ignored, note: inStream}
	var stSpecs []Spec
	for _, p := range []string{"preread", "content", "log", "balancer", "ssl_certificate", "ssl_client_hello"} {
		c := ctxSt
		if p == "balancer" {
			c = CtxStreamUpstream
		}
		stSpecs = append(stSpecs,
			d(p+"_by_lua", c, Take1), d(p+"_by_lua_file", c, Take1), luaBlock(p+"_by_lua_block", c, NoArgs))
	}
	for _, p := range []string{"init", "init_worker"} {
		stSpecs = append(stSpecs,
			d(p+"_by_lua", CtxStream, Take1), d(p+"_by_lua_file", CtxStream, Take1), luaBlock(p+"_by_lua_block", CtxStream, NoArgs))
	}
	stSpecs = append(stSpecs,
		d("lua_package_path", CtxStream, Take1),
		d("lua_package_cpath", CtxStream, Take1),
		d("lua_shared_dict", CtxStream, Take2),
		onOff("lua_code_cache", ctxSt),
	)
	return append(rows, st.rows(stSpecs...)...)
}
