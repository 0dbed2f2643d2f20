package nginxconf

// Directives of nginx's core, events and http core modules, and of the http
// modules every proxy configuration uses (rewrite, log, map, index,
// headers, ssl, http2).

const notSingleProcess = "sliceproxy is one Go process; the Go scheduler takes the place of worker processes"

func coreRows() []Spec {
	core := module{name: "core", origin: originNginx}
	events := module{name: "events", origin: originNginx}
	return append(core.rows(
		d("include", ctxAnyBlock|CtxMain, Take1).impl(),
		onOff("daemon", CtxMain).impl(),
		one("pid", CtxMain).impl(),
		d("user", CtxMain, Take12).uniq().impl(),
		one("worker_processes", CtxMain).impl(),
		d("error_log", CtxMain|ctxHSL|ctxSt|ctxMl, OneOrMore).impl(),
		blk("events", CtxMain, NoArgs, CtxEvents).uniq().impl(),
		blk("http", CtxMain, NoArgs, CtxHTTP).uniq().impl(),
		onOff("master_process", CtxMain).ign(notSingleProcess),
		d("worker_cpu_affinity", CtxMain, OneOrMore).uniq().ign("the Go scheduler places goroutines; CPU pinning is not applied"),
		num("worker_priority", CtxMain).args(Take1).ign("set the process priority with the service manager (Nice=)"),
		num("worker_rlimit_nofile", CtxMain).ign("Go raises the open-file soft limit to the hard limit at start; set the hard limit with the service manager (LimitNOFILE=)"),
		offset("worker_rlimit_core", CtxMain).ign("core dumps are configured by the service manager"),
		one("working_directory", CtxMain).ign("only used for core dumps"),
		msec("worker_shutdown_timeout", CtxMain).unsup("a graceful stop (QUIT) waits for in-flight requests without this deadline"),
		msec("timer_resolution", CtxMain).ign("Go's timers need no tuning"),
		one("lock_file", CtxMain).ign("no accept mutex between processes"),
		onOff("pcre_jit", CtxMain).ign("regexes run on Go's engines; there is no PCRE JIT"),
		d("env", CtxMain, Take1).ign("environment variables are only exposed to Lua/Perl code, which does not run"),
		d("load_module", CtxMain, Take1).unsup("dynamic modules cannot be loaded; their directives are judged by this table"),
		d("thread_pool", CtxMain, Take23).ign("file I/O runs on Go's own threads"),
		one("ssl_engine", CtxMain).unsup("OpenSSL engines are not available to Go's TLS"),
		one("debug_points", CtxMain).ign("debugging aid of nginx's C code"),
		d("google_perftools_profiles", CtxMain, Take1).ign("nginx profiling aid"),
	), events.rows(
		num("worker_connections", CtxEvents).impl(),
		one("use", CtxEvents).ign("Go's network poller always uses epoll/kqueue"),
		onOff("multi_accept", CtxEvents).ign("Go's listener accepts as fast as connections arrive"),
		onOff("accept_mutex", CtxEvents).ign(notSingleProcess),
		msec("accept_mutex_delay", CtxEvents).ign(notSingleProcess),
		d("debug_connection", CtxEvents, Take1).ign("debug logging per client address is not available"),
		num("worker_aio_requests", CtxEvents).ign("no Linux AIO in Go"),
		num("epoll_events", CtxEvents).ign("Go's network poller sizes its epoll batches itself"),
	)...)
}

func httpCoreRows() []Spec {
	m := module{name: "http_core", origin: originNginx}
	const notConfigurable = "not configurable yet: nginx's default behaviour applies"
	const noFileCache = "Go keeps no open-file cache; files are opened per request"
	const noHashTuning = "sliceproxy uses Go maps, which need no size tuning"
	return m.rows(
		blk("server", CtxHTTP, NoArgs, CtxServer).impl(),
		blk("location", CtxServer|CtxLocation, Take12, CtxLocation).impl(),
		d("listen", CtxServer, OneOrMore).impl(),
		d("server_name", CtxServer, OneOrMore).impl(),
		one("root", ctxHSLI).impl(),
		one("alias", CtxLocation).impl(),
		d("try_files", ctxSL, TwoOrMore).uniq().impl(),
		blk("types", ctxHSL, NoArgs, CtxTypes).impl(),
		one("default_type", ctxHSL).impl(),
		d("error_page", ctxHSLI, TwoOrMore).impl(),
		offset("client_max_body_size", ctxHSL).impl(),
		msec("client_header_timeout", ctxHS).impl(),
		msec("client_body_timeout", ctxHSL).impl(),
		msec("send_timeout", ctxHSL).impl(),
		d("keepalive_timeout", ctxHSL, Take12).uniq().impl(),
		num("keepalive_requests", ctxHSL).impl(),
		d("large_client_header_buffers", ctxHS, Take2).uniq().impl(),
		msec("keepalive_time", ctxHSL).unsup("client connections are not closed after keepalive_time; keepalive_requests and keepalive_timeout still apply"),
		d("internal", CtxLocation, NoArgs).uniq().impl(),
		blk("limit_except", CtxLocation, OneOrMore, CtxLimitExcept).impl(),
		size("client_header_buffer_size", ctxHS).ign("request heads are read into buffers sized by large_client_header_buffers"),
		size("client_body_buffer_size", ctxHSL).ign("request bodies stream to the upstream; there is no body buffer to size"),
		d("client_body_temp_path", ctxHSL, Take1234).uniq().ign("request bodies are not written to temporary files"),
		enum("client_body_in_file_only", ctxHSL, "on", "clean", "off").ign("request bodies are not written to temporary files"),
		onOff("client_body_in_single_buffer", ctxHSL).ign("request bodies are not buffered"),
		onOff("sendfile", ctxHSLI).ign("Go uses sendfile by itself when it copies a file to a socket"),
		size("sendfile_max_chunk", ctxHSL).ign("Go sizes its sendfile calls itself"),
		onOff("tcp_nopush", ctxHSL).ign("socket option tuning only"),
		onOff("tcp_nodelay", ctxHSL).ign("Go sets TCP_NODELAY on every connection"),
		d("aio", ctxHSL, Take1).uniq().ign("file I/O runs on Go's own threads"),
		onOff("aio_write", ctxHSL).ign("file I/O runs on Go's own threads"),
		d("directio", ctxHSL, Take1).uniq().ign("no O_DIRECT reads"),
		size("directio_alignment", ctxHSL).ign("no O_DIRECT reads"),
		d("output_buffers", ctxHSL, Take2).uniq().ign("buffer sizing is internal"),
		size("postpone_output", ctxHSL).ign("buffer sizing is internal"),
		d("read_ahead", ctxHSL, Take1).uniq().ign("buffer sizing is internal"),
		enum("server_tokens", ctxHSL, "on", "off", "build").args(Take1).impl(),
		num("server_names_hash_max_size", CtxHTTP).ign(noHashTuning),
		num("server_names_hash_bucket_size", CtxHTTP).ign(noHashTuning),
		num("variables_hash_max_size", CtxHTTP).ign(noHashTuning),
		num("variables_hash_bucket_size", CtxHTTP).ign(noHashTuning),
		num("types_hash_max_size", ctxHSL).ign(noHashTuning),
		num("types_hash_bucket_size", ctxHSL).ign(noHashTuning),
		onOff("underscores_in_headers", ctxHS).impl(),
		onOff("ignore_invalid_headers", ctxHS).impl(),
		onOff("merge_slashes", ctxHS).impl(),
		onOff("absolute_redirect", ctxHSL).impl(),
		onOff("port_in_redirect", ctxHSL).impl(),
		onOff("server_name_in_redirect", ctxHSL).impl(),
		onOff("recursive_error_pages", ctxHSL).unsup(notConfigurable).nginxDefault("off"),
		onOff("chunked_transfer_encoding", ctxHSL).impl(),
		onOff("etag", ctxHSL).unsup(notConfigurable).nginxDefault("on"),
		enum("if_modified_since", ctxHSL, "off", "exact", "before").unsup(notConfigurable).nginxDefault("exact"),
		num("max_ranges", ctxHSL).unsup(notConfigurable),
		onOff("log_not_found", ctxHSL).ign("only decides whether a missing file is written to the error log"),
		onOff("log_subrequest", ctxHSL).ign("no subrequests are made"),
		onOff("reset_timedout_connection", ctxHSL).ign("timed-out connections are closed at once anyway"),
		enum("lingering_close", ctxHSL, "off", "on", "always").ign("the Go runtime closes connections itself"),
		msec("lingering_time", ctxHSL).ign("the Go runtime closes connections itself"),
		msec("lingering_timeout", ctxHSL).ign("the Go runtime closes connections itself"),
		d("resolver", ctxHSL, OneOrMore).uniq().ign("names are resolved with the system resolver when the configuration loads"),
		msec("resolver_timeout", ctxHSL).ign("names are resolved with the system resolver when the configuration loads"),
		d("open_file_cache", ctxHSL, Take12).uniq().ign(noFileCache),
		sec("open_file_cache_valid", ctxHSL).ign(noFileCache),
		num("open_file_cache_min_uses", ctxHSL).ign(noFileCache),
		onOff("open_file_cache_errors", ctxHSL).ign(noFileCache),
		onOff("open_file_cache_events", ctxHSL).ign(noFileCache),
		d("post_action", ctxHSL, Take1).uniq().unsup("no subrequest is made after the response"),
		num("max_headers", ctxHS).ign("the number of request header lines is bounded by large_client_header_buffers"),
		enum("satisfy", ctxHSL, "all", "any").impl(),
		msec("auth_delay", ctxHSL).ign("a refused password is answered at once: the 401 is not delayed"),
		d("disable_symlinks", ctxHSL, Take12).uniq().unsup("symbolic links are always followed"),
		d("limit_rate", ctxHSLI, Take1).uniq().unsup("responses are not rate limited"),
		d("limit_rate_after", ctxHSLI, Take1).uniq().unsup("responses are not rate limited"),
		bitmask("keepalive_disable", ctxHSL, "none", "msie6", "safari").args(Take12).ign("only concerns ancient browsers (msie6, safari)"),
		onOff("msie_padding", ctxHSL).ign("only concerns ancient browsers"),
		onOff("msie_refresh", ctxHSL).ign("only concerns ancient browsers"),
		size("connection_pool_size", ctxHS).ign("memory pools are an nginx internal"),
		size("request_pool_size", ctxHS).ign("memory pools are an nginx internal"),
		size("subrequest_output_buffer_size", ctxHSL).ign("no subrequests are made"),
	)
}

func httpRewriteLogMapRows() []Spec {
	rewrite := module{name: "http_rewrite", origin: originNginx}
	log := module{name: "http_log", origin: originNginx}
	mp := module{name: "http_map", origin: originNginx}
	index := module{name: "http_index", origin: originNginx}
	headers := module{name: "http_headers", origin: originNginx}
	const noHashTuning = "sliceproxy uses Go maps, which need no size tuning"
	var rows []Spec
	rows = append(rows, rewrite.rows(
		d("set", ctxScript, Take2).impl(),
		blk("if", CtxServer|CtxLocation, OneOrMore, CtxIf).impl(),
		d("rewrite", ctxScript, Take23).impl(),
		d("return", ctxScript, Take12).impl(),
		d("break", ctxScript, NoArgs).impl(),
		onOff("rewrite_log", ctxScript|CtxHTTP).ign("rewrite tracing in the error log is not available"),
		onOff("uninitialized_variable_warn", ctxScript|CtxHTTP).ign("uninitialized variables are empty, without a log line"),
	)...)
	rows = append(rows, log.rows(
		d("log_format", CtxHTTP, TwoOrMore).impl(),
		d("access_log", ctxHSLI|CtxLimitExcept, OneOrMore).impl(),
		d("open_log_file_cache", ctxHSL, Take1234).uniq().ign("log files stay open; there is no descriptor cache to size"),
	)...)
	rows = append(rows, mp.rows(
		blk("map", CtxHTTP, Take2, CtxMap).impl(),
		num("map_hash_max_size", CtxHTTP).ign(noHashTuning),
		num("map_hash_bucket_size", CtxHTTP).ign(noHashTuning),
	)...)
	rows = append(rows, index.rows(
		d("index", ctxHSL, OneOrMore).impl(),
	)...)
	rows = append(rows, headers.rows(
		d("add_header", ctxHSLI, Take23).impl(),
		d("expires", ctxHSLI, Take12).uniq().impl(),
		d("add_trailer", ctxHSLI, Take23).unsup("trailers are not added to responses"),
	)...)
	return rows
}

func httpSSLRows() []Spec {
	ssl := module{name: "http_ssl", origin: originNginx}
	h2 := module{name: "http_v2", origin: originNginx}
	h3 := module{name: "http_v3", origin: originNginx, status: Unsupported,
		note: "HTTP/3 (QUIC) is not implemented; clients fall back to HTTP/2 or HTTP/1.1 over TCP"}
	const goTLSSessions = "Go's TLS stack manages sessions and tickets itself"
	const noClientCerts = "client certificates are not requested or verified: every client is accepted"
	const noStapling = "OCSP stapling is not done; clients check revocation themselves"
	const h2Tuning = "HTTP/2 tuning is left to Go's http2 server defaults"
	const h2Obsolete = "obsolete since nginx 1.19.7 (keepalive_timeout, keepalive_requests and large_client_header_buffers apply to HTTP/2)"
	var rows []Spec
	rows = append(rows, ssl.rows(
		d("ssl_certificate", ctxHS, Take1).impl(),
		d("ssl_certificate_key", ctxHS, Take1).impl(),
		bitmask("ssl_protocols", ctxHS, sslProtocolWords()...).impl(),
		one("ssl_ciphers", ctxHS).impl(),
		onOff("ssl", ctxHS).unsup(`"ssl on" is gone from nginx; use "listen ... ssl"`),
		onOff("ssl_prefer_server_ciphers", ctxHS).ign("Go's TLS chooses the cipher suite order itself"),
		d("ssl_session_cache", ctxHS, Take12).ign(goTLSSessions),
		sec("ssl_session_timeout", ctxHS).ign(goTLSSessions),
		onOff("ssl_session_tickets", ctxHS).ign(goTLSSessions),
		d("ssl_session_ticket_key", ctxHS, Take1).ign(goTLSSessions),
		one("ssl_dhparam", ctxHS).ign("Go's TLS does not offer DHE key exchange; ECDHE is used"),
		one("ssl_ecdh_curve", ctxHS).unsup("the curve list is Go's default"),
		size("ssl_buffer_size", ctxHS).ign("TLS record sizing is Go's"),
		d("ssl_password_file", ctxHS, Take1).unsup("encrypted private keys cannot be loaded"),
		one("ssl_client_certificate", ctxHS).unsup(noClientCerts),
		one("ssl_trusted_certificate", ctxHS).ign("only used for client certificates and OCSP stapling, which are not implemented"),
		enum("ssl_verify_client", ctxHS, "on", "off", "optional", "optional_no_ca").unsup(noClientCerts),
		num("ssl_verify_depth", ctxHS).ign(noClientCerts),
		one("ssl_crl", ctxHS).unsup(noClientCerts),
		onOff("ssl_stapling", ctxHS).unsup(noStapling),
		one("ssl_stapling_file", ctxHS).ign(noStapling),
		one("ssl_stapling_responder", ctxHS).ign(noStapling),
		onOff("ssl_stapling_verify", ctxHS).ign(noStapling),
		onOff("ssl_early_data", ctxHS).unsup("TLS 1.3 early data is refused"),
		d("ssl_conf_command", ctxHS, Take2).unsup("OpenSSL configuration commands do not apply to Go's TLS"),
		onOff("ssl_reject_handshake", ctxHS).unsup("handshakes for unknown names are not rejected"),
		d("ssl_ocsp", ctxHS, Take1).unsup(noClientCerts),
		d("ssl_ocsp_cache", ctxHS, Take1).ign(noClientCerts),
		one("ssl_ocsp_responder", ctxHS).ign(noClientCerts),
		d("ssl_certificate_cache", ctxHSL, Take123).ign("certificates are loaded once per configuration load"),
	)...)
	rows = append(rows, h2.rows(
		onOff("http2", ctxHS).impl(),
		size("http2_chunk_size", ctxHSL).ign(h2Tuning),
		size("http2_body_preread_size", ctxHS).ign(h2Tuning),
		num("http2_max_concurrent_streams", ctxHS).ign(h2Tuning),
		num("http2_max_concurrent_pushes", ctxHS).ign("HTTP/2 server push is not implemented (nginx removed it in 1.25.1)"),
		size("http2_recv_buffer_size", CtxHTTP).ign(h2Tuning),
		d("http2_idle_timeout", ctxHS, Take1).ign(h2Obsolete),
		d("http2_recv_timeout", ctxHS, Take1).ign(h2Obsolete),
		d("http2_max_field_size", ctxHS, Take1).ign(h2Obsolete),
		d("http2_max_header_size", ctxHS, Take1).ign(h2Obsolete),
		d("http2_max_requests", ctxHS, Take1).ign(h2Obsolete),
		onOff("http2_push_preload", ctxHSL).ign("HTTP/2 server push is not implemented (nginx removed it in 1.25.1)"),
		d("http2_push", ctxHSL, Take1).ign("HTTP/2 server push is not implemented (nginx removed it in 1.25.1)"),
		size("http2_streams_index_size", ctxHS).ign(h2Tuning),
		d("http2_pool_size", ctxHS, Take1).ign(h2Obsolete),
	)...)
	rows = append(rows, h3.rows(
		onOff("http3", ctxHS),
		onOff("http3_hq", ctxHS),
		num("http3_max_concurrent_streams", ctxHS).ign("tunes HTTP/3, which is not implemented"),
		size("http3_stream_buffer_size", ctxHS).ign("tunes HTTP/3, which is not implemented"),
		onOff("quic_retry", ctxHS),
		onOff("quic_gso", ctxHS).ign("tunes HTTP/3, which is not implemented"),
		one("quic_host_key", ctxHS).ign("tunes HTTP/3, which is not implemented"),
		onOff("quic_bpf", CtxMain).ign("tunes HTTP/3, which is not implemented"),
		size("quic_active_connection_id_limit", ctxHS).ign("tunes HTTP/3, which is not implemented"),
	)...)
	return rows
}
