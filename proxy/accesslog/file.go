package accesslog

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// File is one open log file shared by every access_log that names it.
// Writes are serialised by a mutex; with buffer= they go to memory and reach
// the file when the buffer would overflow, when flush= time has passed since
// the oldest buffered line (the Set's flusher checks), on Reopen and on
// Close — nginx's semantics. Without buffer= each line is one write(2), as
// in nginx, so lines from concurrent requests never interleave.
type File struct {
	Path string

	size  int           // buffer= in bytes; 0: unbuffered
	flush time.Duration // flush=; 0: only when full / reopen / close
	gzip  int           // gzip level; 0: plain

	mu      sync.Mutex
	f       io.WriteCloser // the file, or a pipe to a command
	buf     []byte
	oldest  time.Time // when the first line now in buf was added
	onError func(path string, err error)
}

func openLogFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open() %q failed: %w", path, err)
	}
	return f, nil
}

// open opens the file (at Set.Open time, not at load, so lint opens nothing).
func (l *File) open() error {
	f, err := openDestination(l.Path)
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.f = f
	l.mu.Unlock()
	return nil
}

// write appends one complete line (with its newline).
func (l *File) write(line []byte, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return
	}
	if l.size == 0 {
		l.writeOut(line)
		return
	}
	if len(line) > l.size-len(l.buf) {
		l.flushLocked()
	}
	if len(line) > l.size {
		// Longer than the whole buffer: nginx writes it straight through.
		l.writeOut(line)
		return
	}
	if len(l.buf) == 0 {
		l.oldest = now
	}
	l.buf = append(l.buf, line...)
}

// flushLocked writes the buffer out; l.mu must be held.
func (l *File) flushLocked() {
	if len(l.buf) == 0 {
		return
	}
	l.writeOut(l.buf)
	l.buf = l.buf[:0]
}

// writeOut writes p to the file, gzip-compressed as one gzip member when
// gzip= is set (nginx compresses each flushed buffer separately).
func (l *File) writeOut(p []byte) {
	if l.gzip > 0 {
		var z bytes.Buffer
		zw, err := gzip.NewWriterLevel(&z, l.gzip)
		if err == nil {
			_, err = zw.Write(p)
			if err == nil {
				err = zw.Close()
			}
		}
		if err != nil {
			l.report(err)
			return
		}
		p = z.Bytes()
	}
	n, err := l.f.Write(p)
	if err == nil && n != len(p) {
		err = fmt.Errorf("write() to %q was incomplete: %d of %d", l.Path, n, len(p))
	}
	if err != nil {
		l.report(err)
	}
}

// report hands a write failure to the error log; the line is dropped (nginx
// logs an alert and goes on).
func (l *File) report(err error) {
	if l.onError != nil {
		l.onError(l.Path, err)
	}
}

// flushIfDue flushes when the oldest buffered line is older than flush=.
func (l *File) flushIfDue(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil && l.flush > 0 && len(l.buf) > 0 && now.Sub(l.oldest) >= l.flush {
		l.flushLocked()
	}
}

// Flush writes any buffered lines now.
func (l *File) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil {
		l.flushLocked()
	}
}

// reopen flushes, then reopens the path (after logrotate moved the file);
// a pipe is only flushed.
// On failure the old descriptor is kept, as nginx keeps writing to it.
func (l *File) reopen() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	l.flushLocked()
	if _, isPipe := pipeCommand(l.Path); isPipe {
		return nil // a piped logger rotates by itself
	}
	f, err := openLogFile(l.Path)
	if err != nil {
		return err
	}
	old := l.f
	l.f = f
	if err := old.Close(); err != nil {
		return fmt.Errorf("close %q: %w", l.Path, err)
	}
	return nil
}

// close flushes and closes the file.
func (l *File) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	l.flushLocked()
	err := l.f.Close()
	l.f = nil
	if err != nil {
		return fmt.Errorf("close %q: %w", l.Path, err)
	}
	return nil
}
