package main

import (
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"

	"sliceproxy/nginxconf"
	"sliceproxy/vars"
)

const (
	version = "0.1.0"
	// nginxVersion is the nginx release whose defaults and behaviour
	// sliceproxy mirrors; tools that parse "nginx -V" read it.
	nginxVersion = vars.NginxVersion
)

// printVersion is -v / -V, on stderr as nginx prints it.
func printVersion(w io.Writer, o *options) {
	fmt.Fprintf(w, "%s version: %s/%s\n", programName, programName, version)
	fmt.Fprintf(w, "nginx version: nginx/%s\n", nginxVersion)
	if !o.showConfigure {
		return
	}
	fmt.Fprintf(w, "built with Go %s\n", runtime.Version())
	fmt.Fprintf(w, "TLS SNI support enabled\n")
	fmt.Fprintf(w, "configure arguments: %s\n", configureArguments())
}

func printHelp(w io.Writer) {
	fmt.Fprintf(w, `Usage: %[1]s [-?hvVtTq] [-s signal] [-p prefix]
             [-e filename] [-c filename] [-g directives]
       %[1]s lint [-c file] [-p prefix] [-g directives] [--format text|json] [--strict]
       %[1]s migrate [-c file] [-p prefix] [--format text|json]
       %[1]s parse [-c file] [-p prefix] [--single-file]
       %[1]s directives [--format markdown|json]

Options:
  -?,-h         : this help
  -v            : show version and exit
  -V            : show version and configure options then exit
  -t            : test configuration and exit
  -T            : test configuration, dump it and exit
  -q            : suppress non-error messages during configuration testing
  -s signal     : send signal to a master process: stop, quit, reopen, reload
  -p prefix     : set prefix path (default: %[2]s)
  -e filename   : set error log file (default: %[3]s)
  -c filename   : set configuration file (default: %[4]s)
  -g directives : set global directives out of configuration file

`, programName, defaultPrefix, defaultPrefix+defaultErrorLog, defaultPrefix+defaultConfPath)
}

// nginx's http modules as configure knows them: built by default (listed
// as --without-X_module when sliceproxy lacks them) or optional (listed as
// --with-X_module when sliceproxy has them). Names match Spec.Module.
func defaultHTTPModules() []string {
	return []string{
		"http_charset", "http_gzip", "http_ssi", "http_userid", "http_access", "http_auth_basic",
		"http_mirror", "http_autoindex", "http_geo", "http_map", "http_split_clients", "http_referer",
		"http_rewrite", "http_proxy", "http_fastcgi", "http_uwsgi", "http_scgi", "http_grpc",
		"http_memcached", "http_limit_conn", "http_limit_req", "http_empty_gif", "http_browser",
		"http_upstream_hash", "http_upstream_ip_hash", "http_upstream_least_conn",
		"http_upstream_random", "http_upstream_keepalive", "http_upstream_zone",
	}
}

func optionalHTTPModules() []string {
	return []string{
		"http_ssl", "http_v2", "http_v3", "http_realip", "http_addition", "http_xslt",
		"http_image_filter", "http_geoip", "http_sub", "http_dav", "http_flv", "http_mp4",
		"http_gunzip", "http_gzip_static", "http_auth_request", "http_random_index",
		"http_secure_link", "http_slice", "http_stub_status", "http_perl",
	}
}

// configureArguments states, in nginx's configure syntax, the paths
// sliceproxy uses and which nginx modules it implements, derived from the
// directive table: a module counts as built when at least one of its
// directives is implemented.
func configureArguments() string {
	implemented := map[string]bool{}
	for _, s := range nginxconf.Specs() {
		if s.Implemented() {
			implemented[s.Module] = true
		}
	}
	args := []string{
		"--prefix=" + defaultPrefix,
		"--conf-path=" + defaultPrefix + defaultConfPath,
		"--error-log-path=" + defaultPrefix + defaultErrorLog,
		"--pid-path=" + defaultPrefix + defaultPidPath,
	}
	var with, without []string
	for _, m := range optionalHTTPModules() {
		if implemented[m] {
			with = append(with, "--with-"+m+"_module")
		}
	}
	for _, m := range defaultHTTPModules() {
		if !implemented[m] {
			without = append(without, "--without-"+m+"_module")
		}
	}
	sort.Strings(with)
	sort.Strings(without)
	args = append(args, with...)
	args = append(args, without...)
	return strings.Join(args, " ")
}
