package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"sliceproxy/nginxconf"
)

// Compiled-in defaults, the counterparts of nginx's --prefix, --conf-path,
// --error-log-path and --pid-path. The prefix is where distributions keep
// nginx's configuration; the other paths are relative to the prefix, as in
// a stock nginx build (so "-p /usr/local/nginx" finds a tengine layout's
// files when its configuration is given with -c).
const (
	defaultPrefix   = "/etc/nginx/"
	defaultConfPath = "nginx.conf"
	defaultErrorLog = "logs/error.log"
	defaultPidPath  = "logs/nginx.pid"
	programName     = "sliceproxy"
)

// options is nginx's command line, parsed. Paths are final: -c and -e are
// resolved against the prefix as nginx does (ngx_process_options).
type options struct {
	prefix   string // -p, always ending in "/"
	confFile string // -c, absolute
	errorLog string // -e, absolute, or "stderr"
	globals  string // -g
	signal   string // -s: stop, quit, reopen, reload

	test, dump, quiet                     bool // -t, -T, -q
	showVersion, showConfigure, showHelp  bool // -v, -V, -h/-?
	prefixGiven, confGiven, errorLogGiven bool

	stdout, stderr io.Writer
}

// parseOptions returns the parser options that read the configuration the
// way nginx would with this command line.
func (o *options) parseOptions() nginxconf.Options {
	return nginxconf.Options{Prefix: o.prefix, Globals: o.globals}
}

// loadConfig parses the configuration file named by the options.
func (o *options) loadConfig() (*nginxconf.Config, []nginxconf.Diagnostic) {
	return nginxconf.ParseFile(o.confFile, o.parseOptions())
}

// parseNginxFlags parses arguments as ngx_get_options does: every argument
// starts with "-"; letters may be glued ("-tq"); an option that takes a
// value takes the rest of its argument ("-cFILE") or the next argument.
// Errors use nginx's words.
func parseNginxFlags(args []string) (*options, error) {
	o := &options{}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if len(arg) < 2 || arg[0] != '-' {
			return nil, fmt.Errorf("invalid option: %q", arg)
		}
		for j := 1; j < len(arg); j++ {
			c := arg[j]
			switch c {
			case '?', 'h':
				o.showVersion, o.showHelp = true, true
			case 'v':
				o.showVersion = true
			case 'V':
				o.showVersion, o.showConfigure = true, true
			case 't':
				o.test = true
			case 'T':
				o.test, o.dump = true, true
			case 'q':
				o.quiet = true
			case 's', 'p', 'e', 'c', 'g':
				value := arg[j+1:]
				if value == "" {
					if i+1 >= len(args) {
						return nil, missingValue(c)
					}
					i++
					value = args[i]
				}
				if err := o.set(c, value); err != nil {
					return nil, err
				}
				j = len(arg) // the value used up the rest of the argument
			default:
				return nil, fmt.Errorf("invalid option: \"%c\"", c)
			}
		}
	}
	o.resolvePaths()
	return o, nil
}

func missingValue(c byte) error {
	switch c {
	case 'p':
		return fmt.Errorf(`option "-p" requires directory name`)
	case 'e', 'c':
		return fmt.Errorf(`option "-%c" requires file name`, c)
	}
	return fmt.Errorf(`option "-%c" requires parameter`, c)
}

func (o *options) set(c byte, value string) error {
	switch c {
	case 's':
		switch value {
		case "stop", "quit", "reopen", "reload":
			o.signal = value
		default:
			return fmt.Errorf("invalid option: \"-s %s\"", value)
		}
	case 'p':
		o.prefix, o.prefixGiven = value, true
	case 'e':
		o.errorLog, o.errorLogGiven = value, true
	case 'c':
		o.confFile, o.confGiven = value, true
	case 'g':
		o.globals = value
	}
	return nil
}

// resolvePaths applies nginx's rules: the prefix defaults to the compiled
// one and ends in "/"; a relative -c or -e is relative to the prefix (not
// to the current directory); "-e stderr" means standard error.
func (o *options) resolvePaths() {
	if o.prefix == "" {
		o.prefix = defaultPrefix
	}
	if !strings.HasSuffix(o.prefix, "/") {
		o.prefix += "/"
	}
	if o.confFile == "" {
		o.confFile = defaultConfPath
	}
	o.confFile = o.fullName(o.confFile)
	if o.errorLog == "" {
		o.errorLog = defaultErrorLog
	}
	if o.errorLog != "stderr" {
		o.errorLog = o.fullName(o.errorLog)
	}
}

// fullName resolves name against the prefix as ngx_conf_full_name does.
func (o *options) fullName(name string) string {
	if filepath.IsAbs(name) {
		return filepath.Clean(name)
	}
	p := o.prefix
	if !filepath.IsAbs(p) {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
	}
	return filepath.Join(p, name)
}

// logStderr prints a message as nginx's ngx_log_stderr does, with this
// program's name in place of "nginx".
func logStderr(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, programName+": "+format+"\n", args...)
}
