package accesslog

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// syslogPeer is one "syslog:server=..." destination (ngx_syslog.c): RFC
// 3164 datagrams "<PRI>Mmm dd hh:mm:ss HOST TAG: MSG" over UDP or a unix
// datagram socket, one per line, without the newline.
type syslogPeer struct {
	network, addr string // "udp"/"unixgram" and the address
	facility      int    // default local7 (23)
	severity      int    // default info (6); error-log lines use their level
	tag           string // default "nginx"
	nohostname    bool
	hostname      string

	mu   sync.Mutex
	conn net.Conn // connected at open; nil after close
}

var syslogFacilities = []string{"kern", "user", "mail", "daemon", "auth", "intern", "lpr", "news", "uucp",
	"clock", "authpriv", "ftp", "ntp", "audit", "alert", "cron", "local0",
	"local1", "local2", "local3", "local4", "local5", "local6", "local7"}

// parseSyslog parses the text after "syslog:" as ngx_syslog_parse_args
// does, with nginx's messages for bad parameters.
func parseSyslog(spec string) (*syslogPeer, error) {
	p := &syslogPeer{facility: -1, severity: -1}
	for _, part := range strings.Split(spec, ",") {
		switch {
		case strings.HasPrefix(part, "server="):
			if p.addr != "" {
				return nil, fmt.Errorf(`duplicate syslog "server"`)
			}
			v := part[len("server="):]
			if path, ok := strings.CutPrefix(v, "unix:"); ok {
				p.network, p.addr = "unixgram", path
				break
			}
			host, port, err := net.SplitHostPort(v)
			if err != nil {
				host, port = strings.Trim(v, "[]"), "514"
			}
			if host == "" {
				return nil, fmt.Errorf(`no host in syslog server "%s"`, v)
			}
			if _, err := strconv.ParseUint(port, 10, 16); err != nil {
				return nil, fmt.Errorf(`invalid port in syslog server "%s"`, v)
			}
			p.network, p.addr = "udp", net.JoinHostPort(host, port)
		case strings.HasPrefix(part, "facility="):
			if p.facility >= 0 {
				return nil, fmt.Errorf(`duplicate syslog "facility"`)
			}
			v := part[len("facility="):]
			for i, name := range syslogFacilities {
				if v == name {
					p.facility = i
				}
			}
			if p.facility < 0 {
				return nil, fmt.Errorf(`unknown syslog facility "%s"`, v)
			}
		case strings.HasPrefix(part, "severity="):
			if p.severity >= 0 {
				return nil, fmt.Errorf(`duplicate syslog "severity"`)
			}
			l, ok := ParseLevel(part[len("severity="):])
			if !ok {
				return nil, fmt.Errorf(`unknown syslog severity "%s"`, part[len("severity="):])
			}
			p.severity = int(l)
		case strings.HasPrefix(part, "tag="):
			if p.tag != "" {
				return nil, fmt.Errorf(`duplicate syslog "tag"`)
			}
			v := part[len("tag="):]
			if len(v) > 32 {
				return nil, fmt.Errorf("syslog tag length exceeds 32")
			}
			for _, c := range strings.ToLower(v) {
				if c < '0' || (c > '9' && c < 'a' && c != '_') || c > 'z' {
					return nil, fmt.Errorf(`syslog "tag" only allows alphanumeric characters and underscore`)
				}
			}
			p.tag = v
		case part == "nohostname":
			p.nohostname = true
		default:
			return nil, fmt.Errorf(`unknown syslog parameter "%s"`, part)
		}
	}
	if p.addr == "" {
		return nil, fmt.Errorf("no syslog server specified")
	}
	if p.facility < 0 {
		p.facility = 23 // local7
	}
	if p.severity < 0 {
		p.severity = int(LevelInfo)
	}
	if p.tag == "" {
		p.tag = "nginx"
	}
	return p, nil
}

// open connects the socket (a datagram "connection" sends nothing yet).
func (p *syslogPeer) open() error {
	if p.hostname == "" {
		p.hostname, _ = os.Hostname()
	}
	c, err := net.Dial(p.network, p.addr)
	if err != nil {
		return fmt.Errorf("syslog %s: %w", p.addr, err)
	}
	p.mu.Lock()
	p.conn = c
	p.mu.Unlock()
	return nil
}

// appendHeader appends "<PRI>Mmm dd hh:mm:ss HOST TAG: " as
// ngx_syslog_add_header does (the day is space-padded).
func (p *syslogPeer) appendHeader(dst []byte, severity int, now time.Time) []byte {
	dst = append(dst, '<')
	dst = strconv.AppendInt(dst, int64(p.facility*8+severity), 10)
	dst = append(dst, '>')
	dst = now.AppendFormat(dst, "Jan _2 15:04:05")
	dst = append(dst, ' ')
	if !p.nohostname {
		dst = append(dst, p.hostname...)
		dst = append(dst, ' ')
	}
	dst = append(dst, p.tag...)
	return append(dst, ": "...)
}

// send writes one datagram; failures are returned for the caller to
// report (nginx drops the line and logs an alert).
func (p *syslogPeer) send(msg []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn == nil {
		return nil
	}
	_, err := p.conn.Write(msg)
	return err
}

func (p *syslogPeer) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn == nil {
		return nil
	}
	err := p.conn.Close()
	p.conn = nil
	return err
}
