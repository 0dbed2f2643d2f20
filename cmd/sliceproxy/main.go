// Command sliceproxy runs an existing nginx/tengine configuration as a
// reverse proxy. It takes nginx's command line (-c -p -e -g -t -T -q -s -v
// -V -h), so service units and scripts written for nginx keep working, and
// adds subcommands that explain a configuration:
//
//	sliceproxy lint       every finding at once (file:line:col)
//	sliceproxy migrate    what changes when moving off tengine/nginx
//	sliceproxy parse      the parsed tree as crossplane JSON
//	sliceproxy directives the directive table (README, tooling)
package main

import (
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole program behind main, with its streams passed in so tests
// run it in-process. It returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "lint":
			return runLint(args[1:], stdout, stderr)
		case "migrate":
			return runMigrate(args[1:], stdout, stderr)
		case "parse":
			return runParse(args[1:], stdout, stderr)
		case "directives":
			return runDirectives(args[1:], stdout, stderr)
		}
	}
	o, err := parseNginxFlags(args)
	if err != nil {
		logStderr(stderr, "%v", err)
		return 1
	}
	o.stdout, o.stderr = stdout, stderr
	if o.showVersion {
		printVersion(stderr, o)
		if o.showHelp {
			printHelp(stderr)
		}
		if !o.test {
			return 0
		}
	}
	switch {
	case o.test:
		return testConfig(o)
	case o.signal != "":
		return sendSignal(o)
	}
	return serve(o)
}
