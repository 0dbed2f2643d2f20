// Package accesslog writes nginx's access logs (log_format, access_log)
// and its error log.
//
// Access logs: a Set compiles every log_format (escape=default|json|none,
// the predefined combined) and builds one *Config per level with
// ngx_http_log_module's inheritance; access_log off, several logs per
// level, buffer=, flush=, gzip[=level] and if= work as in nginx. Files are
// shared between every access_log naming the same path. Config.Log writes
// the request's lines; formatting a line allocates nothing.
//
// Variables: nginx's log-only variables ($status, $body_bytes_sent,
// $bytes_sent, $request_length, $request_time, $msec, $time_local,
// $time_iso8601, $pipe) are rendered here from vars.Facts, never escaped;
// every other variable comes from vars, and one that is not found is "-"
// with default escaping (nothing with json and none), as in nginx.
//
// Error log: ErrorLog is a zerolog.Logger whose writer lays each event out
// as nginx does —
//
//	YYYY/MM/DD HH:MM:SS [level] PID#TID: *CONN message (errno) while action, client: ..., server: ..., request: "...", upstream: "...", host: "...", referrer: "..."
//
// with all eight nginx levels, several targets with their own level, and
// Reopen/Close.
//
// syslog:server=ADDR[,facility=][,severity=][,tag=][,nohostname] works for
// both as in nginx (RFC 3164 datagrams over UDP or unix:PATH; error-log
// lines carry their level as severity and keep their own time stamp).
// Tengine's piped logs work for both: "pipe:COMMAND" feeds the lines to
// COMMAND (run by /bin/sh, ended on Close), and tengine's built-in
// "pipe:rollback PATH ..." writes the plain file PATH with a warning (its
// rotation parameters are not implemented: use logrotate and USR1).
//
// Deviations from nginx:
//   - memory: targets (nginx's debug ring buffer) are ignored with a
//     warning.
//   - access_log paths with variables are opened per line as nginx does
//     without open_log_file_cache, but nginx's check that the request's
//     root directory exists (for 404s) is not made, and a name with ".."
//     is refused.
//   - $pipe is always "." (pipelining is not tracked per request).
//   - TID in the error log is the PID: goroutines have no stable thread.
//   - open_log_file_cache is not used (files are opened once per Set).
package accesslog
