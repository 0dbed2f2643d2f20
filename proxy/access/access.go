// Package access is nginx's ngx_http_access_module: the allow and deny
// directives, checked in the access phase after the rewrite phases.
//
// Rules are tested in the order written and the first one that matches the
// client address decides; when none matches, the request is allowed. A level
// (http, server, location, limit_except) with any allow/deny replaces the
// rules it inherits, as nginx merges the module's rule arrays. An IPv4
// client that arrives as an IPv4-mapped IPv6 address is matched against the
// IPv4 rules, as nginx does.
package access

import (
	"fmt"
	"net/netip"
	"strings"

	"sliceproxy/nginxconf"
)

// Rule is one allow or deny.
type Rule struct {
	Deny bool
	// All matches every client; Unix matches clients on unix sockets;
	// otherwise Prefix is the address range.
	All    bool
	Unix   bool
	Prefix netip.Prefix
	// Directive is where the rule was written (for the error log).
	Directive *nginxconf.Directive
}

// Rules is one level's ordered list; a nil *Rules allows everything.
type Rules struct {
	list []Rule
}

// Compile reads the allow and deny directives of one level. It returns nil
// when the level has none, so the caller keeps the inherited rules.
func Compile(level []*nginxconf.Directive) (*Rules, []nginxconf.Diagnostic) {
	var (
		r     *Rules
		diags []nginxconf.Diagnostic
	)
	for _, d := range level {
		if d.Name != "allow" && d.Name != "deny" {
			continue
		}
		if r == nil {
			r = &Rules{}
		}
		if len(d.Args) != 1 {
			diags = append(diags, diag(d, nginxconf.SevError, fmt.Sprintf("invalid number of arguments in %q directive", d.Name)))
			continue
		}
		rule, warn, err := parseRule(d.Args[0].Value)
		if err != nil {
			diags = append(diags, diag(d, nginxconf.SevError, err.Error()))
			continue
		}
		if warn != "" {
			diags = append(diags, diag(d, nginxconf.SevWarning, warn))
		}
		rule.Deny = d.Name == "deny"
		rule.Directive = d
		r.list = append(r.list, rule)
	}
	return r, diags
}

// parseRule reads "all", "unix:", an address or a CIDR range with nginx's
// ngx_ptocidr rules: a range with host bits set is accepted with nginx's
// "low address bits ... are meaningless" warning and masked.
func parseRule(v string) (Rule, string, error) {
	switch {
	case v == "all":
		return Rule{All: true}, "", nil
	case v == "unix:":
		return Rule{Unix: true}, "", nil
	}
	if !strings.Contains(v, "/") {
		a, err := netip.ParseAddr(v)
		if err != nil || a.Zone() != "" {
			return Rule{}, "", fmt.Errorf("invalid parameter %q", v)
		}
		return Rule{Prefix: netip.PrefixFrom(a, a.BitLen())}, "", nil
	}
	p, err := netip.ParsePrefix(v)
	if err != nil {
		return Rule{}, "", fmt.Errorf("invalid parameter %q", v)
	}
	warn := ""
	if m := p.Masked(); m != p {
		warn = fmt.Sprintf("low address bits of %s are meaningless", v)
		p = m
	}
	return Rule{Prefix: p}, warn, nil
}

// Check decides for a client: remote is its address (invalid for a unix
// socket client). It returns whether the request may go on and, when a
// deny rule refused it, that rule.
func (r *Rules) Check(remote netip.Addr, unix bool) (allowed bool, by *Rule) {
	if r == nil {
		return true, nil
	}
	addr := remote.Unmap()
	for i := range r.list {
		rule := &r.list[i]
		var match bool
		switch {
		case rule.All:
			match = true
		case rule.Unix:
			match = unix
		default:
			match = !unix && addr.IsValid() && rule.Prefix.Contains(addr)
		}
		if match {
			return !rule.Deny, rule
		}
	}
	return true, nil
}

// Len is the number of rules.
func (r *Rules) Len() int {
	if r == nil {
		return 0
	}
	return len(r.list)
}

func diag(d *nginxconf.Directive, sev nginxconf.Severity, msg string) nginxconf.Diagnostic {
	return nginxconf.Diagnostic{Pos: d.Pos, Severity: sev, Message: msg, Code: "access"}
}
