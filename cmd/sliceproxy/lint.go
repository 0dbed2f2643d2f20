package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"sliceproxy/nginxconf"
)

// configFlags are the flags every subcommand that reads a configuration
// takes, with nginx's meaning.
type configFlags struct {
	conf, prefix, globals *string
}

func addConfigFlags(fs *flag.FlagSet) configFlags {
	return configFlags{
		conf:    fs.String("c", "", "configuration file (default "+defaultPrefix+defaultConfPath+"; relative to the prefix)"),
		prefix:  fs.String("p", "", "prefix path (default "+defaultPrefix+")"),
		globals: fs.String("g", "", "global directives out of the configuration file"),
	}
}

// options turns the flags into resolved options, as nginx's flags would,
// with one difference for these subcommands: without -p, a relative -c is
// taken relative to the current directory ("sliceproxy lint -c
// site.conf" lints the file in front of the user); with -p, relative to
// the prefix, as nginx.
func (f configFlags) options() *options {
	conf := *f.conf
	if conf != "" && *f.prefix == "" && !filepath.IsAbs(conf) {
		if abs, err := filepath.Abs(conf); err == nil {
			conf = abs
		}
	}
	o := &options{confFile: conf, prefix: *f.prefix, globals: *f.globals}
	o.resolvePaths()
	return o
}

// runLint is "sliceproxy lint": every finding at once, sorted by position.
// Exit status: 0 without errors (with --strict: without warnings either),
// 1 otherwise, 2 on a usage error.
func runLint(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("lint", stderr)
	cf := addConfigFlags(fs)
	format := fs.String("format", "text", "output format: text or json")
	strict := fs.Bool("strict", false, "fail on warnings too")
	if code, ok := parseSubcommandFlags(fs, args); !ok {
		return code
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "%s lint: unknown format %q (text or json)\n", programName, *format)
		return 2
	}
	o := cf.options()
	diags := lintConfig(o)
	counts := countSeverities(diags)
	if *format == "json" {
		if code := writeJSON(stdout, stderr, lintReport{File: o.confFile, Diagnostics: diagnosticsJSON(diags),
			Errors: counts[nginxconf.SevError], Warnings: counts[nginxconf.SevWarning], Infos: counts[nginxconf.SevInfo]}); code != 0 {
			return code
		}
	} else {
		writeDiagnostics(stdout, diags)
		fmt.Fprintf(stderr, "%s: %d errors, %d warnings, %d infos in %s\n", programName,
			counts[nginxconf.SevError], counts[nginxconf.SevWarning], counts[nginxconf.SevInfo], o.confFile)
	}
	if counts[nginxconf.SevError] > 0 || (*strict && counts[nginxconf.SevWarning] > 0) {
		return 1
	}
	return 0
}

// lintConfig is everything known about a configuration: the parser's
// findings, Check's (a fragment is checked in the context it was written
// for), and the runtime loaders'.
func lintConfig(o *options) []nginxconf.Diagnostic {
	cfg, parseDiags := o.loadConfig()
	if cfg == nil {
		return nginxconf.SortDiagnostics(parseDiags)
	}
	return nginxconf.Lint(cfg, parseDiags, runtimeDiagnostics(cfg))
}

func countSeverities(diags []nginxconf.Diagnostic) map[nginxconf.Severity]int {
	counts := map[nginxconf.Severity]int{}
	for _, d := range diags {
		counts[d.Severity]++
	}
	return counts
}

// writeDiagnostics prints "file:line:col: severity: message [code]" with the
// include chain, and an indented hint line when there is one.
func writeDiagnostics(w io.Writer, diags []nginxconf.Diagnostic) {
	for _, d := range diags {
		fmt.Fprintln(w, d.Error())
		if d.Hint != "" {
			fmt.Fprintln(w, "    hint: "+d.Hint)
		}
	}
}

type lintReport struct {
	File        string           `json:"file"`
	Diagnostics []diagnosticJSON `json:"diagnostics"`
	Errors      int              `json:"errors"`
	Warnings    int              `json:"warnings"`
	Infos       int              `json:"infos"`
}

type diagnosticJSON struct {
	File         string   `json:"file"`
	Line         int      `json:"line"`
	Col          int      `json:"col"`
	Severity     string   `json:"severity"`
	Code         string   `json:"code,omitempty"`
	Message      string   `json:"message"`
	Hint         string   `json:"hint,omitempty"`
	IncludedFrom []string `json:"included_from,omitempty"`
}

func diagnosticsJSON(diags []nginxconf.Diagnostic) []diagnosticJSON {
	out := make([]diagnosticJSON, 0, len(diags))
	for _, d := range diags {
		var chain []string
		for _, c := range d.Pos.Chain() {
			chain = append(chain, strings.TrimPrefix(c, "included from "))
		}
		out = append(out, diagnosticJSON{File: d.Pos.File, Line: d.Pos.Line, Col: d.Pos.Col,
			Severity: d.Severity.String(), Code: d.Code, Message: d.Message, Hint: d.Hint, IncludedFrom: chain})
	}
	return out
}
