package main

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unicode"

	"sliceproxy/nginxconf"
)

// signalFor maps a -s name to the signal the running process acts on, as
// nginx's ngx_signal_process: stop is fast (TERM), quit graceful (QUIT),
// reopen reopens logs (USR1), reload rereads the configuration (HUP).
func signalFor(name string) syscall.Signal {
	switch name {
	case "stop":
		return syscall.SIGTERM
	case "quit":
		return syscall.SIGQUIT
	case "reopen":
		return syscall.SIGUSR1
	}
	return syscall.SIGHUP
}

// sendSignal is -s: read the pid file named by the configuration's "pid"
// directive (default logs/nginx.pid under the prefix) and signal that
// process. Errors are printed in nginx's words.
func sendSignal(o *options) int {
	cfg, diags := o.loadConfig()
	if cfg == nil || nginxconf.HasErrors(diags) {
		for _, d := range diags {
			if d.Severity == nginxconf.SevError {
				logStderr(o.stderr, "[emerg] %s", nginxMessage(d))
			}
		}
		return 1
	}
	pidPath := o.fullName(pidFile(cfg))
	data, err := os.ReadFile(pidPath)
	if err != nil {
		logStderr(o.stderr, "[error] open() %q failed (%s)", pidPath, errnoText(err))
		return 1
	}
	text := strings.TrimRight(string(data), "\r\n")
	pid, err := strconv.Atoi(text)
	if err != nil || pid <= 0 {
		logStderr(o.stderr, "[error] invalid PID number %q in %q", text, pidPath)
		return 1
	}
	sig := signalFor(o.signal)
	if err := syscall.Kill(pid, sig); err != nil {
		logStderr(o.stderr, "[alert] kill(%d, %d) failed (%s)", pid, int(sig), errnoText(err))
		return 1
	}
	return 0
}

// pidFile returns the argument of the top-level "pid" directive (the last
// one, including -g's), or the default.
func pidFile(cfg *nginxconf.Config) string {
	path := defaultPidPath
	for _, d := range cfg.Directives() {
		if d.Name == "pid" && len(d.Args) == 1 {
			path = d.Args[0].Value
		}
	}
	return path
}

// errnoText renders an error as nginx's "(2: No such file or directory)"
// inner part: the errno and strerror's capitalised text.
func errnoText(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	msg := []rune(errno.Error())
	if len(msg) > 0 {
		msg[0] = unicode.ToUpper(msg[0])
	}
	return strconv.Itoa(int(errno)) + ": " + string(msg)
}
