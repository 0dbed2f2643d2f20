package main

import (
	"io"

	"sliceproxy/nginxconf"
)

// testConfig is -t and -T: check the configuration the way "nginx -t" does
// and print nginx's phrases, which scripts grep for, after "sliceproxy:"
// instead of "nginx:":
//
//	sliceproxy: the configuration file F syntax is ok
//	sliceproxy: configuration file F test is successful
//
// or, on failure (exit status 1),
//
//	sliceproxy: [emerg] MESSAGE in FILE:LINE
//	sliceproxy: configuration file F test failed
//
// Errors (syntax, unknown directives, wrong context or arguments, invalid
// values, and what the runtime loaders refuse) fail the test. Warnings —
// among them directives sliceproxy does not support — are printed as
// "[warn]" and do not, unless -q. Infos are left to "sliceproxy lint".
// With -T, each distinct file read is then printed to stdout after
// "# configuration file PATH:", as nginx does.
func testConfig(o *options) int {
	cfg, diags := o.loadConfig()
	if cfg != nil {
		diags = nginxconf.MergeDiagnostics(diags, nginxconf.CheckIn(cfg, nginxconf.CtxMain), nil)
		// nginx finds what the runtime loaders find (unknown variables,
		// unresolvable upstreams, ...) only after the whole file parsed
		// cleanly, so they come last, and only then: a config with syntax or
		// table errors would give them a half-read tree to trip over.
		if !nginxconf.HasErrors(diags) {
			diags = append(diags, nginxconf.SortDiagnostics(runtimeDiagnostics(cfg))...)
		}
	}
	failed := cfg == nil || nginxconf.HasErrors(diags)
	for _, d := range diags {
		switch {
		case d.Severity == nginxconf.SevError:
			logStderr(o.stderr, "[emerg] %s", nginxMessage(d))
		case d.Severity == nginxconf.SevWarning && !o.quiet:
			logStderr(o.stderr, "[warn] %s", nginxMessage(d))
		}
	}
	if failed {
		logStderr(o.stderr, "configuration file %s test failed", o.confFile)
		return 1
	}
	if !o.quiet {
		logStderr(o.stderr, "the configuration file %s syntax is ok", o.confFile)
		logStderr(o.stderr, "configuration file %s test is successful", o.confFile)
	}
	if o.dump {
		dumpConfig(o.stdout, cfg)
	}
	return 0
}

// nginxMessage renders a diagnostic as nginx does after the level:
// "MESSAGE in FILE:LINE", or just the message when it has no place.
func nginxMessage(d nginxconf.Diagnostic) string {
	switch {
	case d.Pos.File == "" || d.Pos.Line == 0 || d.Code == nginxconf.CodeNoEvents:
		return d.Message
	case d.Pos.File == nginxconf.GlobalsFile:
		return d.Message + " in command line"
	}
	return d.NginxError()
}

// dumpConfig writes every distinct file read, as nginx -T: a header line,
// the file's exact bytes, and a newline.
func dumpConfig(w io.Writer, cfg *nginxconf.Config) {
	for _, src := range cfg.Sources {
		io.WriteString(w, "# configuration file "+src.Path+":\n")
		w.Write(src.Bytes)
		io.WriteString(w, "\n")
	}
}
