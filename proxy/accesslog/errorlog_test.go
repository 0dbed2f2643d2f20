package accesslog

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func testErrorLog(level Level) (*ErrorLog, *bytes.Buffer) {
	var buf bytes.Buffer
	now := time.Date(2024, 3, 1, 12, 34, 56, 0, time.Local)
	return NewErrorLogWriter(&buf, level, ErrorLogOptions{PID: 4242, Now: func() time.Time { return now }}), &buf
}

func TestErrorLogLayout(t *testing.T) {
	el, buf := testErrorLog(LevelInfo)
	ctx := &RequestContext{Conn: 6, Client: "127.0.0.1", HasRequest: true, Server: "", Request: "GET /nonexist HTTP/1.1", Host: "127.0.0.1:18931", Referrer: "http://r/"}
	el.Request(LevelError, ctx).Msg(`open() "/tmp/html/nonexist" failed (2: No such file or directory)`)
	el.Request(LevelError, &RequestContext{Conn: 9, Client: "10.0.0.1", HasRequest: true, Server: "example.com", Request: "GET / HTTP/1.1", Upstream: "http://127.0.0.1:8080/", Host: "example.com"}).
		Str(FieldError, ErrnoText(syscall.ETIMEDOUT)).Str(FieldAction, "reading response header from upstream").Msg("upstream timed out")
	el.Request(LevelInfo, &RequestContext{Conn: 2, Client: "127.0.0.1", Server: "0.0.0.0:80"}).Str(FieldAction, "waiting for request").Msg("client closed connection")
	el.Log(LevelNotice).Msg("signal process started")
	el.Log(LevelInfo).Uint64(FieldConn, 3).Msg("client 127.0.0.1 closed keepalive connection")
	el.Log(LevelDebug).Msg("not recorded at info")
	el.Logger().Warn().Msg("plain zerolog warning")
	el.Logger().Error().Err(errors.New("boom")).Str("peer", "x").Msg("plain zerolog error")
	want := strings.Join([]string{
		`2024/03/01 12:34:56 [error] 4242#4242: *6 open() "/tmp/html/nonexist" failed (2: No such file or directory), client: 127.0.0.1, server: , request: "GET /nonexist HTTP/1.1", host: "127.0.0.1:18931", referrer: "http://r/"`,
		`2024/03/01 12:34:56 [error] 4242#4242: *9 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 10.0.0.1, server: example.com, request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:8080/", host: "example.com"`,
		`2024/03/01 12:34:56 [info] 4242#4242: *2 client closed connection while waiting for request, client: 127.0.0.1, server: 0.0.0.0:80`,
		`2024/03/01 12:34:56 [notice] 4242#4242: signal process started`,
		`2024/03/01 12:34:56 [info] 4242#4242: *3 client 127.0.0.1 closed keepalive connection`,
		`2024/03/01 12:34:56 [warn] 4242#4242: plain zerolog warning`,
		`2024/03/01 12:34:56 [error] 4242#4242: plain zerolog error (boom), peer: x`,
	}, "\n") + "\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestErrorLogLevels(t *testing.T) {
	for _, tt := range []struct {
		min     Level
		logged  []Level
		records string
	}{
		{LevelError, []Level{LevelEmerg, LevelAlert, LevelCrit, LevelError, LevelWarn, LevelNotice, LevelInfo, LevelDebug}, "emerg alert crit error"},
		{LevelCrit, []Level{LevelError, LevelCrit}, "crit"},
		{LevelDebug, []Level{LevelDebug, LevelNotice}, "debug notice"},
	} {
		el, buf := testErrorLog(tt.min)
		for _, l := range tt.logged {
			el.Log(l).Msg(l.String())
		}
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			if i := strings.LastIndex(line, ": "); i >= 0 {
				got = append(got, line[i+2:])
			}
		}
		if strings.Join(got, " ") != tt.records {
			t.Errorf("min %s: recorded %q, want %q", tt.min, got, tt.records)
		}
	}
	if _, ok := ParseLevel("warning"); ok {
		t.Error("warning is not an nginx level")
	}
	if l, ok := ParseLevel("crit"); !ok || l != LevelCrit {
		t.Error("crit")
	}
}

func TestErrorLogTruncates(t *testing.T) {
	el, buf := testErrorLog(LevelInfo)
	el.Log(LevelError).Msg(strings.Repeat("x", 5000))
	if n := buf.Len(); n != maxErrorLine || !strings.HasSuffix(buf.String(), "x\n") {
		t.Fatalf("line of %d bytes", n)
	}
}

func TestErrorLogFilesAndReopen(t *testing.T) {
	dir := t.TempDir()
	el, err := OpenErrorLog([]ErrorTarget{{Path: "error.log", Level: LevelWarn}, {Path: filepath.Join(dir, "debug.log"), Level: LevelDebug},
		{Path: "pipe:cat > " + filepath.Join(dir, "piped.log"), Level: LevelError}, // tengine's piped log
		{Path: "syslog:server=127.0.0.1", Level: LevelDebug}},                      // skipped
		ErrorLogOptions{Prefix: dir, PID: 1})
	if err != nil {
		t.Fatal(err)
	}
	el.Log(LevelInfo).Msg("info line")
	el.Log(LevelError).Msg("error line")
	if err := os.Rename(filepath.Join(dir, "error.log"), filepath.Join(dir, "error.log.1")); err != nil {
		t.Fatal(err)
	}
	if err := el.Reopen(); err != nil {
		t.Fatal(err)
	}
	el.Log(LevelCrit).Msg("after reopen")
	if err := el.Close(); err != nil {
		t.Fatal(err)
	}
	el.Log(LevelCrit).Msg("after close: dropped")
	read := func(name string) string { b, _ := os.ReadFile(filepath.Join(dir, name)); return string(b) }
	count := func(s, sub string) int { return strings.Count(s, sub) }
	if s := read("error.log.1"); count(s, "\n") != 1 || !strings.Contains(s, "[error] 1#1: error line") {
		t.Errorf("error.log.1: %q", s)
	}
	if s := read("error.log"); count(s, "\n") != 1 || !strings.Contains(s, "[crit] 1#1: after reopen") {
		t.Errorf("error.log: %q", s)
	}
	if s := read("debug.log"); count(s, "\n") != 3 || !strings.Contains(s, "[info] 1#1: info line") {
		t.Errorf("debug.log: %q", s)
	}
	if s := read("piped.log"); count(s, "\n") != 2 || !strings.Contains(s, "[crit] 1#1: after reopen") {
		t.Errorf("piped.log: %q", s)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 4 {
		t.Errorf("files in the prefix: %v", entries)
	}
}

func TestErrorLogOpenFails(t *testing.T) {
	_, err := OpenErrorLog([]ErrorTarget{{Path: "/nonexistent-dir/x/error.log", Level: LevelError}}, ErrorLogOptions{})
	if err == nil || !strings.Contains(err.Error(), `open() "/nonexistent-dir/x/error.log" failed`) {
		t.Fatalf("err %v", err)
	}
}

func TestErrnoText(t *testing.T) {
	for err, want := range map[error]string{
		syscall.ENOENT:                      "2: No such file or directory",
		fmt.Errorf("x: %w", syscall.EACCES): "13: Permission denied",
		syscall.ECONNREFUSED:                "111: Connection refused",
		errors.New("plain"):                 "plain",
	} {
		if got := ErrnoText(err); got != want {
			t.Errorf("%v: %q, want %q", err, got, want)
		}
	}
}
