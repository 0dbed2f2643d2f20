package main

import (
	"context"
	"os"

	"sliceproxy/proxy"
)

// socketIOEnv chooses the proxy's socket I/O: "raw" (the default: raw
// system calls on Linux) or "runtime" (Go's net.Conn). It is for comparing
// the two (proxy/perf) and a way back should raw I/O misbehave somewhere;
// nginx's command line has no room for it, hence the environment.
const socketIOEnv = "SLICEPROXY_SOCKET_IO"

// serve runs the proxy with the parsed command line until a signal stops
// it (HUP reload, QUIT graceful, TERM/INT fast, USR1 reopen logs) and
// returns the exit status.
func serve(o *options) int {
	errorLog := ""
	if o.errorLogGiven {
		errorLog = o.errorLog
	}
	runtimeIO := false
	switch v := os.Getenv(socketIOEnv); v {
	case "", "raw":
	case "runtime":
		runtimeIO = true
	default:
		logStderr(o.stderr, "[emerg] invalid %s value %q (raw or runtime)", socketIOEnv, v)
		return 1
	}
	err := proxy.Run(context.Background(), proxy.RunOptions{
		ConfigPath:      o.confFile,
		Prefix:          o.prefix,
		ErrorLog:        errorLog,
		Globals:         o.globals,
		Stderr:          o.stderr,
		RuntimeSocketIO: runtimeIO,
	})
	if err != nil {
		return 1
	}
	return 0
}
