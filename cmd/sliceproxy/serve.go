package main

import (
	"context"

	"sliceproxy/proxy"
)

// serve runs the proxy with the parsed command line until a signal stops
// it (HUP reload, QUIT graceful, TERM/INT fast, USR1 reopen logs) and
// returns the exit status.
func serve(o *options) int {
	errorLog := ""
	if o.errorLogGiven {
		errorLog = o.errorLog
	}
	err := proxy.Run(context.Background(), proxy.RunOptions{
		ConfigPath: o.confFile,
		Prefix:     o.prefix,
		ErrorLog:   errorLog,
		Globals:    o.globals,
		Stderr:     o.stderr,
	})
	if err != nil {
		return 1
	}
	return 0
}
