package accesslog

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Tengine's piped logs: "pipe:COMMAND" runs COMMAND through /bin/sh and
// writes the log lines to its standard input (cronolog and the like);
// "pipe:rollback PATH [interval=..] [baknum=..] [maxsize=..]" is tengine's
// built-in rotation, which sliceproxy maps to the plain file PATH (rotate
// it with logrotate and USR1).

// pipeCommand returns the command of a "pipe:" target that must be run,
// ok=false for other targets (files, and pipe:rollback).
func pipeCommand(path string) (string, bool) {
	cmd, ok := strings.CutPrefix(path, "pipe:")
	if !ok || isRollback(path) {
		return "", false
	}
	return strings.TrimSpace(cmd), true
}

func isRollback(path string) bool {
	rest, ok := strings.CutPrefix(path, "pipe:")
	f := strings.Fields(rest)
	return ok && len(f) >= 1 && f[0] == "rollback"
}

// rollbackPath returns PATH of "pipe:rollback PATH ...", "" if there is none.
func rollbackPath(path string) string {
	rest, _ := strings.CutPrefix(path, "pipe:")
	f := strings.Fields(rest)
	if len(f) < 2 || f[0] != "rollback" {
		return ""
	}
	return f[1]
}

// pipeWriter is a running log command fed through its standard input. A
// goroutine owned by the writer does the writing, so a stalled command
// never blocks a request: lines wait in a bounded queue, and when it is
// full they are dropped and counted. Close drains the queue, closes the
// command's input and waits for it.
type pipeWriter struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	lines   chan []byte
	drained chan struct{} // the writer goroutine has finished
	exited  chan struct{} // the command has exited
	mu      sync.Mutex
	closed  bool
	dropped int64
	werr    error         // first write error, reported by Close
	grace   time.Duration // how long Close waits before killing
}

// pipeQueue is how many writes may wait for a slow log command.
const pipeQueue = 4096

func startPipe(command string) (*pipeWriter, error) {
	if command == "" {
		return nil, errors.New("empty pipe command")
	}
	cmd := exec.Command("/bin/sh", "-c", command)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	// Its own process group: a signal to ours (Ctrl-C) does not kill the
	// logger before we flushed into it; Close ends it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("pipe %q: %w", command, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("pipe %q: %w", command, err)
	}
	p := &pipeWriter{cmd: cmd, stdin: stdin, lines: make(chan []byte, pipeQueue),
		drained: make(chan struct{}), exited: make(chan struct{}), grace: 5 * time.Second}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	go p.drain()
	return p, nil
}

func (p *pipeWriter) drain() {
	defer close(p.drained)
	for b := range p.lines {
		if _, err := p.stdin.Write(b); err != nil {
			p.mu.Lock()
			if p.werr == nil {
				p.werr = err
			}
			p.mu.Unlock()
		}
	}
}

// Write queues a copy of b; it never blocks.
func (p *pipeWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return 0, errors.New("pipe closed")
	}
	select {
	case p.lines <- append([]byte(nil), b...):
		return len(b), nil
	default:
		p.dropped++
		return 0, fmt.Errorf("log command too slow: %d writes dropped", p.dropped)
	}
}

// Close writes what is queued, closes the command's input and waits for
// the command; after the grace period (5s) it kills it.
func (p *pipeWriter) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.lines)
	p.mu.Unlock()
	deadline := time.NewTimer(p.grace)
	defer deadline.Stop()
	kill := func() { _ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL) }
	select {
	case <-p.drained:
	case <-deadline.C:
		kill() // a command that stopped reading: its pipe fails, drain ends
		<-p.drained
	}
	err := p.stdin.Close()
	select {
	case <-p.exited:
	case <-deadline.C:
		kill()
		<-p.exited
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return errors.Join(p.werr, err)
}

// openDestination opens a log target for appending: a file, or a pipe to a
// command.
func openDestination(path string) (io.WriteCloser, error) {
	if cmd, ok := pipeCommand(path); ok {
		return startPipe(cmd)
	}
	return openLogFile(path)
}
