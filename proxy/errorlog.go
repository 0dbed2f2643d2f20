package proxy

import (
	"sliceproxy/proxy/accesslog"
)

// Level is an error_log severity (nginx's names, most severe first).
type Level = accesslog.Level

const (
	LevelEmerg  = accesslog.LevelEmerg
	LevelAlert  = accesslog.LevelAlert
	LevelCrit   = accesslog.LevelCrit
	LevelError  = accesslog.LevelError
	LevelWarn   = accesslog.LevelWarn
	LevelNotice = accesslog.LevelNotice
	LevelInfo   = accesslog.LevelInfo
	LevelDebug  = accesslog.LevelDebug
)

// ErrorLog is the server's error log: nginx's layout written through
// accesslog.ErrorLog (zerolog). A nil *ErrorLog discards everything, so
// code paths never check.
type ErrorLog struct {
	el *accesslog.ErrorLog
}

// newErrorLog wraps an opened accesslog.ErrorLog.
func newErrorLog(el *accesslog.ErrorLog) *ErrorLog { return &ErrorLog{el: el} }

// Enabled reports whether a line of this level would be written.
func (e *ErrorLog) Enabled(l Level) bool { return e != nil && e.el != nil && e.el.Enabled(l) }

// Log writes one line; conn is the connection number (0 for none). msg is
// complete, context included.
func (e *ErrorLog) Log(l Level, conn uint64, msg string) {
	if !e.Enabled(l) {
		return
	}
	ev := e.el.Log(l)
	if ev == nil {
		return
	}
	if conn != 0 {
		ev = ev.Uint64(accesslog.FieldConn, conn)
	}
	ev.Msg(msg)
}
