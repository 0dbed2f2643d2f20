package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"sliceproxy/nginxconf"
)

// runDirectives prints the directive table: as the Markdown table that
// README.md embeds between <!-- directives:begin --> and
// <!-- directives:end -->, or as JSON for tools.
func runDirectives(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("directives", stderr)
	format := fs.String("format", "markdown", "output format: markdown or json")
	if code, ok := parseSubcommandFlags(fs, args); !ok {
		return code
	}
	switch *format {
	case "markdown":
		io.WriteString(stdout, directivesMarkdown())
	case "json":
		return writeJSON(stdout, stderr, directivesJSON())
	default:
		fmt.Fprintf(stderr, "%s directives: unknown format %q (markdown or json)\n", programName, *format)
		return 2
	}
	return 0
}

// directivesMarkdown renders the table, one row per Spec.
func directivesMarkdown() string {
	var b strings.Builder
	b.WriteString("| Directive | Contexts | Status | Module | Notes |\n")
	b.WriteString("|---|---|---|---|---|\n")
	for _, s := range nginxconf.Specs() {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s (%s) | %s |\n",
			s.Name, strings.Join(s.Contexts.Names(), ", "), s.Status, s.Module, s.Origin,
			strings.ReplaceAll(s.Note, "|", `\|`))
	}
	return b.String()
}

type directiveJSON struct {
	Name     string   `json:"name"`
	Contexts []string `json:"contexts"`
	Args     string   `json:"args"`
	Block    bool     `json:"block"`
	Status   string   `json:"status"`
	Module   string   `json:"module"`
	Origin   string   `json:"origin"`
	Note     string   `json:"note,omitempty"`
	Value    string   `json:"value,omitempty"`
	Enum     []string `json:"enum,omitempty"`
	Unique   bool     `json:"unique,omitempty"`
	Default  string   `json:"nginx_default,omitempty"`
}

func directivesJSON() []directiveJSON {
	specs := nginxconf.Specs()
	out := make([]directiveJSON, 0, len(specs))
	for _, s := range specs {
		out = append(out, directiveJSON{Name: s.Name, Contexts: s.Contexts.Names(), Args: s.Args.String(),
			Block: s.Block, Status: s.Status.String(), Module: s.Module, Origin: s.Origin, Note: s.Note,
			Value: s.Value.String(), Enum: s.Enum, Unique: s.Unique, Default: s.Default})
	}
	return out
}

// newFlagSet makes a subcommand's flag set that reports errors to stderr
// and does not exit. Go's flag package accepts both -format and --format.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(programName+" "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseSubcommandFlags parses args; on failure it returns the exit status
// (0 for -h, 2 for a usage error) and false.
func parseSubcommandFlags(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0, false
		}
		return 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		fs.Usage()
		return 2, false
	}
	return 0, true
}

// writeJSON writes v indented, with a final newline.
func writeJSON(stdout, stderr io.Writer, v any) int {
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(stderr, "%s: writing JSON: %v\n", programName, err)
		return 1
	}
	return 0
}
