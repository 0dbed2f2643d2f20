package accesslog

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"sliceproxy/internal/testenv"
)

// udpSink is a syslog server on loopback collecting datagrams.
type udpSink struct {
	conn *net.UDPConn
}

func newUDPSink(t *testing.T) *udpSink {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &udpSink{conn: c}
}

func (u *udpSink) port() int { return u.conn.LocalAddr().(*net.UDPAddr).Port }

// next returns the next datagram, failing after a few seconds.
func (u *udpSink) next(t *testing.T) string {
	t.Helper()
	buf := make([]byte, 64*1024)
	_ = u.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err := u.conn.ReadFromUDP(buf)
	if err != nil {
		t.Fatalf("no syslog datagram: %v", err)
	}
	return string(buf[:n])
}

func TestSyslogAccessAndErrorLog(t *testing.T) {
	sink := newUDPSink(t)
	now := time.Date(2024, 3, 5, 7, 8, 9, 0, time.Local)
	b := buildSet(t, fmt.Sprintf(`log_format s '$status';
        server { access_log syslog:server=127.0.0.1:%d,facility=local0,severity=notice,tag=web,nohostname s; }`, sink.port()),
		func() time.Time { return now })
	if len(b.diags) > 0 {
		t.Fatal(b.diags)
	}
	if err := b.set.Open(); err != nil {
		t.Fatal(err)
	}
	b.server.Log(b.request(200))
	if got, want := sink.next(t), "<133>Mar  5 07:08:09 web: 200"; got != want { // local0*8 + notice
		t.Errorf("access: %q, want %q", got, want)
	}
	if err := b.set.Close(); err != nil {
		t.Fatal(err)
	}

	el, err := OpenErrorLog([]ErrorTarget{{Path: fmt.Sprintf("syslog:server=127.0.0.1:%d", sink.port()), Level: LevelWarn}},
		ErrorLogOptions{PID: 7, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer el.Close()
	el.Log(LevelInfo).Msg("below the level: not sent")
	el.Log(LevelError).Msg("boom")
	got := sink.next(t)
	// local7 (23) * 8 + error (3) = 187; hostname, then the full line.
	if !strings.HasPrefix(got, "<187>Mar  5 07:08:09 ") || !strings.HasSuffix(got, " nginx: 2024/03/05 07:08:09 [error] 7#7: boom") {
		t.Errorf("error: %q", got)
	}
}

// TestSyslogDifferential has real nginx send an access line and an error
// line to loopback syslog listeners and compares them with ours (the time
// stamps aside).
func TestSyslogDifferential(t *testing.T) {
	access, errs := newUDPSink(t), newUDPSink(t)
	n := testenv.StartNginx(t, testenv.NginxConfig{HTTP: fmt.Sprintf(`
    log_format s '$status $request';
    server {
        listen 127.0.0.1:{{PORT}};
        root {{DIR}}/html;
        access_log syslog:server=127.0.0.1:%d,facility=local3,severity=warn,tag=web,nohostname s;
        error_log syslog:server=127.0.0.1:%d,nohostname error;
    }
`, access.port(), errs.port())})
	resp, err := net.Dial("tcp", n.Addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(resp, "GET /missing HTTP/1.0\r\n\r\n")
	buf := make([]byte, 4096)
	for {
		if _, err := resp.Read(buf); err != nil {
			break
		}
	}
	resp.Close()
	nginxErr, nginxAccess := errs.next(t), access.next(t)
	t.Logf("nginx sent %q and %q", nginxAccess, nginxErr)

	sink := newUDPSink(t)
	b := buildSet(t, fmt.Sprintf(`log_format s '$status $request';
        server { access_log syslog:server=127.0.0.1:%d,facility=local3,severity=warn,tag=web,nohostname s; }`, sink.port()), nil)
	if err := b.set.Open(); err != nil {
		t.Fatal(err)
	}
	defer b.set.Close()
	req := newTestRequest(t, b.reg, testRequest{raw: "GET /missing HTTP/1.0\r\n\r\n", status: 404}, time.Now())
	b.server.Log(req)
	ours := sink.next(t)
	stripTime := func(s string) string { // "<PRI>Mmm dd hh:mm:ss rest"
		i := strings.IndexByte(s, '>')
		return s[:i+1] + s[i+1+len("Jan _2 15:04:05"):]
	}
	if stripTime(ours) != stripTime(nginxAccess) {
		t.Errorf("access:\n ours  %q\n nginx %q", ours, nginxAccess)
	}

	el, err := OpenErrorLog([]ErrorTarget{{Path: fmt.Sprintf("syslog:server=127.0.0.1:%d,nohostname", sink.port()), Level: LevelError}}, ErrorLogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer el.Close()
	el.Log(LevelError).Msg("x")
	ours = sink.next(t)
	// Same PRI and tag, and the message is the whole error-log line.
	shape := func(s string) string {
		s = stripTime(s)
		i := strings.Index(s, ": ")
		line := s[i+2:]
		return s[:i+2] + line[:len("2006/01/02 15:04:05 [error] ")][len("2006/01/02 15:04:05"):]
	}
	if shape(ours) != shape(nginxErr) {
		t.Errorf("error:\n ours  %q\n nginx %q", ours, nginxErr)
	}
}
