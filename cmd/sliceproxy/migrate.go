package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"sliceproxy/nginxconf"
)

// runMigrate is "sliceproxy migrate": the report someone moving off
// tengine/nginx reads. It counts the directives by status, lists every
// ignored and unsupported one with its places and what changes, the
// tengine-only features in use, and whether lint finds problems. Exit
// status 1 when something unsupported (or unknown, or a syntax error)
// means sliceproxy would not behave as the current server; 2 on usage
// errors.
func runMigrate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("migrate", stderr)
	cf := addConfigFlags(fs)
	format := fs.String("format", "text", "output format: text or json")
	if code, ok := parseSubcommandFlags(fs, args); !ok {
		return code
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "%s migrate: unknown format %q (text or json)\n", programName, *format)
		return 2
	}
	o := cf.options()
	cfg, parseDiags := o.loadConfig()
	var diags []nginxconf.Diagnostic
	if cfg != nil {
		diags = nginxconf.Lint(cfg, parseDiags, runtimeDiagnostics(cfg))
	} else {
		diags = parseDiags
	}
	r := buildMigrateReport(o.confFile, cfg, diags)
	if *format == "json" {
		if code := writeJSON(stdout, stderr, r); code != 0 {
			return code
		}
	} else {
		r.writeText(stdout)
	}
	if r.blocking() {
		return 1
	}
	return 0
}

type migrateReport struct {
	File        string         `json:"file"`
	Readable    bool           `json:"readable"`
	Total       int            `json:"total"`
	Counts      map[string]int `json:"counts"`
	Unsupported []migrateEntry `json:"unsupported"`
	Ignored     []migrateEntry `json:"ignored"`
	Unknown     []migrateEntry `json:"unknown"`
	Tengine     []migrateEntry `json:"tengine_features"`
	LintErrors  int            `json:"lint_errors"`
	LintWarns   int            `json:"lint_warnings"`
	SyntaxError string         `json:"syntax_error,omitempty"`
	ReadError   string         `json:"read_error,omitempty"`
}

// migrateEntry is one directive (or feature) with every place it is used.
type migrateEntry struct {
	Directive string   `json:"directive"`
	Module    string   `json:"module,omitempty"`
	Origin    string   `json:"origin,omitempty"`
	Status    string   `json:"status"`
	Note      string   `json:"note,omitempty"`
	Places    []string `json:"places"`
}

func (r *migrateReport) blocking() bool {
	return !r.Readable || r.SyntaxError != "" || len(r.Unsupported) > 0 || len(r.Unknown) > 0
}

func buildMigrateReport(file string, cfg *nginxconf.Config, diags []nginxconf.Diagnostic) *migrateReport {
	r := &migrateReport{File: file, Readable: cfg != nil, Counts: map[string]int{},
		Unsupported: []migrateEntry{}, Ignored: []migrateEntry{}, Unknown: []migrateEntry{}, Tengine: []migrateEntry{}}
	if cfg == nil && len(diags) > 0 {
		r.ReadError = nginxMessage(diags[0])
	}
	for _, d := range diags {
		switch d.Severity {
		case nginxconf.SevError:
			r.LintErrors++
			if d.Code == nginxconf.CodeSyntax && r.SyntaxError == "" {
				r.SyntaxError = d.NginxError()
			}
		case nginxconf.SevWarning:
			r.LintWarns++
		}
	}
	groups := map[string]*migrateEntry{}
	var order []string
	add := func(key string, e migrateEntry, place string) {
		g, ok := groups[key]
		if !ok {
			g = &e
			groups[key] = g
			order = append(order, key)
		}
		g.Places = append(g.Places, place)
	}
	for _, u := range nginxconf.Uses(cfg) {
		r.Total++
		place := u.Directive.Pos.String()
		if u.Spec == nil {
			r.Counts["unknown"]++
			add("unknown/"+u.Directive.Name, migrateEntry{Directive: u.Directive.Name, Status: "unknown",
				Note: "not in sliceproxy's table: a module sliceproxy does not know, or a typo"}, place)
			continue
		}
		s := u.Spec
		status := s.EffectiveStatus(u.Directive)
		r.Counts[status.String()]++
		if status != nginxconf.Implemented {
			note := s.Note
			if status != s.Status {
				note = "set to nginx's default, which is what sliceproxy does"
			}
			add(status.String()+"/"+s.Name+"/"+s.Module+"/"+note, migrateEntry{Directive: s.Name, Module: s.Module,
				Origin: s.Origin, Status: status.String(), Note: note}, place)
		}
		if s.Origin == "tengine" {
			add("tengine/"+s.Name, migrateEntry{Directive: s.Name, Module: s.Module, Origin: s.Origin,
				Status: s.Status.String(), Note: s.Note}, place)
		}
		if s.Name == "keepalive" && u.Context == nginxconf.CtxUpstream && hasSliceParams(u.Directive) {
			add("tengine/keepalive-slice", migrateEntry{Directive: "keepalive slice_key=…", Module: s.Module,
				Origin: "tengine", Status: s.Status.String(),
				Note: "tengine's sliced upstream keepalive pool: idle connections kept per peer and slice key"}, place)
		}
	}
	// Supported directives used in an unsupported way (piped logs,
	// proxy_pass https://) change behaviour too.
	for _, d := range diags {
		if d.Code == nginxconf.CodeUnsupportedUse {
			add("unsupported/use/"+d.Message, migrateEntry{Directive: "(use)", Status: "unsupported", Note: d.Message}, d.Pos.String())
		}
	}
	for _, key := range order {
		e := *groups[key]
		switch strings.SplitN(key, "/", 2)[0] {
		case "unsupported":
			r.Unsupported = append(r.Unsupported, e)
		case "ignored":
			r.Ignored = append(r.Ignored, e)
		case "unknown":
			r.Unknown = append(r.Unknown, e)
		case "tengine":
			r.Tengine = append(r.Tengine, e)
		}
	}
	for _, list := range [][]migrateEntry{r.Unsupported, r.Ignored, r.Unknown, r.Tengine} {
		sort.SliceStable(list, func(i, j int) bool { return list[i].Directive < list[j].Directive })
	}
	return r
}

func hasSliceParams(d *nginxconf.Directive) bool {
	for _, a := range d.Args {
		if strings.HasPrefix(a.Value, "slice_") {
			return true
		}
	}
	return false
}

func (r *migrateReport) writeText(w io.Writer) {
	fmt.Fprintf(w, "%s migrate: %s\n\n", programName, r.File)
	if !r.Readable {
		fmt.Fprintf(w, "The configuration cannot be read: %s\n", r.ReadError)
		return
	}
	if r.SyntaxError != "" {
		fmt.Fprintf(w, "Syntax error, the report covers the part before it: %s\n\n", r.SyntaxError)
	}
	fmt.Fprintf(w, "%d directives: %d implemented, %d ignored, %d unsupported, %d unknown\n",
		r.Total, r.Counts["implemented"], r.Counts["ignored"], r.Counts["unsupported"], r.Counts["unknown"])
	// section lists entries; brief ones (the tengine summary, whose notes
	// the other sections already gave) get one line each.
	section := func(title string, list []migrateEntry, brief bool) {
		if len(list) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s\n", title)
		for _, e := range list {
			if brief {
				fmt.Fprintf(w, "  %s: %s, at %s\n", e.Directive, e.Status, strings.Join(e.Places, ", "))
				continue
			}
			label := e.Directive
			if e.Module != "" {
				label += fmt.Sprintf(" (%s, %s)", e.Module, e.Origin)
			}
			fmt.Fprintf(w, "  %s: %d use(s), %s\n", label, len(e.Places), e.Status)
			if e.Note != "" {
				fmt.Fprintf(w, "      %s\n", e.Note)
			}
			for _, p := range e.Places {
				fmt.Fprintf(w, "      at %s\n", p)
			}
		}
	}
	section("Unsupported — sliceproxy does not do what these ask; behaviour changes:", r.Unsupported, false)
	section("Unknown — not in sliceproxy's directive table:", r.Unknown, false)
	section("Ignored — accepted and harmless:", r.Ignored, false)
	section("Tengine-only features in use:", r.Tengine, true)
	fmt.Fprintln(w)
	if r.blocking() {
		fmt.Fprintf(w, "Verdict: %d unsupported and %d unknown directives change behaviour; review them before switching.\n",
			len(r.Unsupported), len(r.Unknown))
	} else {
		fmt.Fprintln(w, "Verdict: nothing unsupported; sliceproxy runs this configuration as tengine/nginx would.")
	}
	if r.LintErrors+r.LintWarns > 0 {
		fmt.Fprintf(w, "Lint also finds %d errors and %d warnings: run \"%s lint -c %s\".\n",
			r.LintErrors, r.LintWarns, programName, r.File)
	}
}
