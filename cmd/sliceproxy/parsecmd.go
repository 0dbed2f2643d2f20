package main

import (
	"io"

	"sliceproxy/nginxconf"
)

// runParse is "sliceproxy parse": the parsed configuration as JSON in the
// payload shape of nginx's crossplane tool, so tooling built for
// "crossplane parse" reads it. Reported errors are crossplane's kinds:
// syntax, includes, context and argument count (unknown directives are
// not errors, as in crossplane's default mode). Exit status 1 when the
// payload's status is "failed", 2 on usage errors.
func runParse(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("parse", stderr)
	cf := addConfigFlags(fs)
	single := fs.Bool("single-file", false, "do not follow include directives")
	if code, ok := parseSubcommandFlags(fs, args); !ok {
		return code
	}
	o := cf.options()
	opt := o.parseOptions()
	opt.SingleFile = *single
	cfg, diags := nginxconf.ParseFile(o.confFile, opt)
	if cfg != nil {
		diags = append(diags, nginxconf.CheckIn(cfg, nginxconf.FragmentContext(cfg))...)
	}
	payload := nginxconf.Crossplane(cfg, o.confFile, nginxconf.SortDiagnostics(diags))
	if code := writeJSON(stdout, stderr, payload); code != 0 {
		return code
	}
	if payload.Status != "ok" {
		return 1
	}
	return 0
}
