package nginxconf

import (
	"fmt"
	"strings"
	"time"
)

// special runs the checks of directives whose handler in nginx does more
// than a slot function: several typed arguments, parameters, and
// sliceproxy-specific findings.
func (c *checker) special(d *Directive, ctx Context, scope proxyScope) {
	switch {
	case d.Name == "worker_processes" && ctx == CtxMain:
		c.workerProcs = d
		if len(d.Args) == 1 && d.Args[0].Value != "auto" {
			if _, err := ParseInt(d.Args[0].Value); err != nil {
				c.add(d.Args[0].Pos, SevError, CodeInvalidValue, `"worker_processes" directive invalid value`,
					`a number or "auto"`)
			}
		}
	case d.Name == "keepalive_timeout" && ctx != CtxUpstream:
		// keepalive_timeout TIMEOUT [HEADER_TIMEOUT]: msec, then sec.
		if _, err := ParseMsec(d.Args[0].Value); err != nil {
			c.add(d.Args[0].Pos, SevError, CodeInvalidValue, `"keepalive_timeout" directive invalid value`, valueHint(ValMsec, d.Args[0].Value))
		}
		if len(d.Args) == 2 {
			if _, err := ParseSec(d.Args[1].Value); err != nil {
				c.add(d.Args[1].Pos, SevError, CodeInvalidValue, `"keepalive_timeout" directive invalid value`, valueHint(ValSec, d.Args[1].Value))
			}
		}
	case strings.HasSuffix(d.Name, "_buffers") && len(d.Args) == 2:
		// NUMBER SIZE, both non-zero (ngx_conf_set_bufs_slot).
		n, errN := ParseInt(d.Args[0].Value)
		size, errS := ParseSize(d.Args[1].Value)
		if errN != nil || errS != nil || n == 0 || size == 0 {
			c.add(d.Pos, SevError, CodeInvalidValue, fmt.Sprintf("%q directive invalid value", d.Name),
				fmt.Sprintf("%q is not NUMBER SIZE, e.g. 4 8k", d.Args[0].Value+" "+d.Args[1].Value))
		}
	case (d.Name == "access_log" || d.Name == "error_log") && strings.HasPrefix(d.Args[0].Value, "pipe:"):
		// tengine's ngx_log_pipe: the log goes to a command's stdin.
		c.add(d.Args[0].Pos, SevWarning, CodeUnsupportedUse,
			fmt.Sprintf("piped logs (tengine's %q) are not supported by sliceproxy", d.Args[0].Value),
			"log to a file and rotate it with logrotate, reopening with -s reopen")
	case d.Name == "if" && ctx&(CtxServer|CtxLocation) != 0:
		c.ifCondition(d)
	case d.Name == "events" && ctx == CtxMain:
		c.sawEvents = true
	case d.Name == "log_format" && ctx == CtxHTTP:
		if name := d.Args[0].Value; c.logFormats[name] {
			c.add(d.Args[0].Pos, SevError, CodeDuplicate, fmt.Sprintf("duplicate \"log_format\" name %q", name),
				`"combined" is built in; every other name may be defined once`)
		} else {
			c.logFormats[name] = true
		}
	case d.Name == "upstream" && ctx == CtxHTTP:
		if name := strings.ToLower(d.Args[0].Value); c.upstreamNames[name] {
			c.add(d.Args[0].Pos, SevError, CodeDuplicate, fmt.Sprintf("duplicate upstream %q", d.Args[0].Value),
				"upstream names are compared without regard to case")
		} else {
			c.upstreamNames[name] = true
		}
	case d.Name == "add_header" && len(d.Args) == 3 && d.Args[2].Value != "always":
		c.add(d.Args[2].Pos, SevError, CodeInvalidValue, fmt.Sprintf("invalid parameter %q", d.Args[2].Value),
			`the only parameter after the value is "always"`)
	case d.Name == "expires" && ctx&(ctxHSLI) != 0:
		c.expires(d)
	case d.Name == "location" && ctx&(CtxServer|CtxLocation) != 0:
		c.checkLocation(d, ctx)
	case d.Name == "keepalive" && ctx == CtxUpstream:
		c.keepalive(d)
	case d.Name == "proxy_pass" && ctx&(CtxLocation|CtxIf|CtxLimitExcept) != 0:
		c.proxies = append(c.proxies, proxySite{d: d, scope: scope})
		c.proxyPassURI(d, ctx)
	}
}

// ifCondition checks the parentheses around an if condition, as
// ngx_http_rewrite_if does before it parses the condition (which the
// rewrite loader compiles).
func (c *checker) ifCondition(d *Directive) {
	first := d.Args[0]
	if !strings.HasPrefix(first.Value, "(") {
		c.add(first.Pos, SevError, CodeInvalidValue, fmt.Sprintf("invalid condition %q", first.Value),
			`a condition is written in parentheses: if ($var) { ... }`)
		return
	}
	last := d.Args[len(d.Args)-1]
	value := last.Value
	if len(d.Args) == 1 && len(value) > 1 {
		value = value[1:] // nginx strips the "(" before looking at the end
	}
	if !strings.HasSuffix(value, ")") {
		c.add(last.Pos, SevError, CodeInvalidValue, fmt.Sprintf("invalid condition %q", value),
			"the condition must end with \")\" before the \"{\"")
	}
}

// expires checks "expires [modified] TIME | epoch | max | off" as
// ngx_http_headers_expires does; a value with variables is evaluated per
// request and not checked here.
func (c *checker) expires(d *Directive) {
	v := d.Args[len(d.Args)-1]
	if len(d.Args) == 2 && d.Args[0].Value != "modified" {
		c.add(d.Args[0].Pos, SevError, CodeInvalidValue, `"expires" directive invalid value`,
			`with two arguments the first must be "modified"`)
		return
	}
	if strings.Contains(v.Value, "$") {
		return
	}
	switch v.Value {
	case "epoch", "max", "off":
		return
	}
	t := strings.TrimLeft(v.Value, "+-")
	daily := strings.HasPrefix(v.Value, "@")
	if daily {
		t = v.Value[1:]
	}
	dur, err := ParseSec(t)
	switch {
	case err != nil:
		c.add(v.Pos, SevError, CodeInvalidValue, `"expires" directive invalid value`,
			fmt.Sprintf("%q is not a time, @time of day, epoch, max or off", v.Value))
	case daily && dur >= 24*time.Hour:
		c.add(v.Pos, SevError, CodeInvalidValue, "daily time value must be less than 24 hours", "")
	}
}
