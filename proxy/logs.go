package proxy

import (
	"errors"

	"sliceproxy/proxy/accesslog"
)

// logSet is the log files a runtime owns: its access logs (the error log is
// Runtime.errorLog).
type logSet struct {
	access *accesslog.Set
	errlog *accesslog.ErrorLog
}

func (s *logSet) close() {
	if s.access != nil {
		s.access.Flush()
		_ = s.access.Close()
	}
	if s.errlog != nil {
		_ = s.errlog.Close()
	}
}

func (s *logSet) reopen() error {
	var errs []error
	if s.access != nil {
		errs = append(errs, s.access.Reopen())
	}
	if s.errlog != nil {
		errs = append(errs, s.errlog.Reopen())
	}
	return errors.Join(errs...)
}
