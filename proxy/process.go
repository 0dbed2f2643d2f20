package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	osuser "os/user"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"sliceproxy/nginxconf"
)

// RunOptions are the command line facts of a serving process.
type RunOptions struct {
	// ConfigPath is -c; Prefix -p; ErrorLog -e; Globals -g.
	ConfigPath string
	Prefix     string
	ErrorLog   string
	Globals    string
	// Stderr receives startup and reload messages in nginx's words
	// ("nginx: [emerg] ..."); os.Stderr when nil.
	Stderr io.Writer
	// Ready is called once the listeners are bound and the pid file is
	// written (tests use it to learn the addresses). May be nil.
	Ready func(*Server)
	// Signals, when non-nil, replaces the process signals (tests send
	// syscall.SIGHUP etc. on it). When nil, the process's HUP, QUIT, TERM,
	// INT and USR1 are used.
	Signals <-chan os.Signal
	// RuntimeSocketIO is LoadOptions.RuntimeSocketIO, for every load and
	// reload.
	RuntimeSocketIO bool
}

// Run serves the configuration until ctx ends or a signal stops it: the
// foreground nginx master and worker in one process. HUP reloads (an
// invalid configuration is logged and the old one keeps serving), QUIT
// shuts down gracefully, TERM and INT stop at once, USR1 reopens logs.
func Run(ctx context.Context, opt RunOptions) error {
	if opt.Stderr == nil {
		opt.Stderr = os.Stderr
	}
	rt, err := loadConfig(opt)
	if err != nil {
		return err
	}
	runtime.GOMAXPROCS(rt.main.workerProcs())
	srv, err := NewServer(rt)
	if err != nil {
		rt.Close()
		fmt.Fprintf(opt.Stderr, "nginx: [emerg] %v\n", err)
		return err
	}
	// The pid file is written once every listener is bound, still with the
	// privileges that may be needed to create it (nginx's master writes it
	// as root).
	pidPath := rt.main.pidPath
	if pidPath != "" {
		pf, err := createPidFile(pidPath)
		if err != nil {
			_ = srv.Close()
			fmt.Fprintf(opt.Stderr, "nginx: [emerg] %v\n", err)
			return err
		}
		defer pf.remove()
	}
	// Listeners and log files are open: now the privileges can go.
	if err := dropPrivileges(rt.main.user, rt.main.group); err != nil {
		_ = srv.Close()
		fmt.Fprintf(opt.Stderr, "nginx: [emerg] %v\n", err)
		return err
	}
	sigs := opt.Signals
	if sigs == nil {
		ch := make(chan os.Signal, 8)
		signal.Notify(ch, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGINT, syscall.SIGUSR1)
		defer signal.Stop(ch)
		sigs = ch
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve() }()
	if opt.Ready != nil {
		opt.Ready(srv)
	}
	logf := func(l Level, msg string) {
		if cur := srv.Runtime(); cur != nil {
			cur.errorLog.Log(l, 0, msg)
		}
	}
	logf(LevelNotice, "start worker processes")
	for {
		select {
		case <-ctx.Done():
			_ = srv.Close()
			<-serveErr
			return nil
		case err := <-serveErr:
			return err
		case sig := <-sigs:
			switch sig {
			case syscall.SIGHUP:
				logf(LevelNotice, "signal 1 (SIGHUP) received, reconfiguring")
				reload(srv, opt, logf)
			case syscall.SIGUSR1:
				logf(LevelNotice, "signal 10 (SIGUSR1) received, reopening logs")
				if cur := srv.Runtime(); cur != nil {
					if err := cur.ReopenLogs(); err != nil {
						logf(LevelAlert, "reopen logs failed: "+err.Error())
					}
				}
			case syscall.SIGQUIT:
				logf(LevelNotice, "signal 3 (SIGQUIT) received, shutting down")
				_ = srv.Shutdown(context.Background())
				<-serveErr
				return nil
			case syscall.SIGTERM, syscall.SIGINT:
				logf(LevelNotice, "signal "+strconv.Itoa(int(sig.(syscall.Signal)))+" received, exiting")
				_ = srv.Close()
				<-serveErr
				return nil
			}
		}
	}
}

// reload builds the configuration again and swaps it in.
func reload(srv *Server, opt RunOptions, logf func(Level, string)) {
	rt, err := loadConfig(opt)
	if err != nil {
		logf(LevelEmerg, strings.TrimPrefix(err.Error(), "nginx: [emerg] "))
		return
	}
	if err := srv.Reload(rt); err != nil {
		rt.Close()
		logf(LevelEmerg, err.Error()+" (the previous configuration keeps serving)")
		return
	}
	runtime.GOMAXPROCS(rt.main.workerProcs())
	logf(LevelNotice, "reconfigured")
}

// loadConfig parses, checks and loads the configuration, printing warnings
// and errors to opt.Stderr as nginx does.
func loadConfig(opt RunOptions) (*Runtime, error) {
	cfg, diags := nginxconf.ParseFile(opt.ConfigPath, nginxconf.Options{Prefix: opt.Prefix, Globals: opt.Globals})
	if cfg != nil {
		diags = append(diags, nginxconf.Check(cfg)...)
	}
	if err := reportDiags(opt.Stderr, diags); err != nil || cfg == nil {
		if err == nil {
			err = fmt.Errorf("cannot read %s", opt.ConfigPath)
		}
		return nil, err
	}
	rt, diags := Load(cfg, LoadOptions{Prefix: opt.Prefix, ErrorLog: opt.ErrorLog, RuntimeSocketIO: opt.RuntimeSocketIO})
	if err := reportDiags(opt.Stderr, diags); err != nil {
		return nil, err
	}
	return rt, nil
}

// reportDiags prints diagnostics in nginx's startup format and returns the
// first error.
func reportDiags(w io.Writer, diags []nginxconf.Diagnostic) error {
	var first error
	for _, d := range diags {
		switch d.Severity {
		case nginxconf.SevError:
			fmt.Fprintf(w, "nginx: [emerg] %s\n", d.NginxError())
			if first == nil {
				first = errors.New("[emerg] " + d.NginxError())
			}
		case nginxconf.SevWarning:
			fmt.Fprintf(w, "nginx: [warn] %s\n", d.NginxError())
		}
	}
	return first
}

// PidPath returns where the configuration's pid file is (for -s).
func PidPath(cfg *nginxconf.Config, prefix string) string {
	p := "logs/nginx.pid"
	for _, d := range cfg.Directives() {
		if d.Name == "pid" && len(d.Args) == 1 {
			p = d.Args[0].Value
		}
	}
	if p == "off" {
		return ""
	}
	if prefix == "" {
		prefix = cfg.Prefix
	}
	if !strings.HasPrefix(p, "/") && prefix != "" {
		p = strings.TrimSuffix(prefix, "/") + "/" + p
	}
	return p
}

// dropPrivileges switches to the `user` of the configuration when running
// as root (syscall.Setuid applies to every thread since Go 1.16). The pid
// file stays root's, as nginx's; pidFile.remove clears it at exit.
func dropPrivileges(user, group string) error {
	if os.Geteuid() != 0 || user == "" {
		return nil
	}
	u, err := osuser.Lookup(user)
	if err != nil {
		return fmt.Errorf("getpwnam(\"%s\") failed (%v)", user, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return fmt.Errorf("user %q has an invalid gid %q", user, u.Gid)
	}
	if group != "" && group != user {
		g, err := osuser.LookupGroup(group)
		if err != nil {
			return fmt.Errorf("getgrnam(\"%s\") failed (%v)", group, err)
		}
		if gid, err = strconv.Atoi(g.Gid); err != nil {
			return fmt.Errorf("group %q has an invalid gid %q", group, g.Gid)
		}
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return fmt.Errorf("user %q has an invalid uid %q", user, u.Uid)
	}
	if err := syscall.Setgroups([]int{gid}); err != nil {
		return fmt.Errorf("setgroups(%d) failed (%v)", gid, err)
	}
	if err := syscall.Setgid(gid); err != nil {
		return fmt.Errorf("setgid(%d) failed (%v)", gid, err)
	}
	if err := syscall.Setuid(uid); err != nil {
		return fmt.Errorf("setuid(%d) failed (%v)", uid, err)
	}
	return nil
}
