package proxy

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// pidFile is the pid file of a running process, with the descriptor it was
// written through kept open for the process's lifetime.
//
// nginx's master stays root and removes the file at exit. sliceproxy is one
// process that may have dropped to `user` since: it can then neither
// unlink the file (that needs write permission on a directory such as /run,
// checked with the credentials of the moment) nor even reach it by name
// when the directory is not searchable for that user. A descriptor opened
// for writing before the drop still allows ftruncate, so the file is
// removed when that is allowed and emptied through the descriptor
// otherwise: a stale pid is never left to be signalled.
type pidFile struct {
	path string
	f    *os.File
}

// createPidFile writes the pid the way nginx does ("PID\n") and keeps the
// file open.
func createPidFile(path string) (*pidFile, error) {
	if dir := filepath.Dir(path); dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("open() \"%s\" failed (%v)", path, err)
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open() \"%s\" failed (%v)", path, err)
	}
	if _, err := f.WriteString(strconv.Itoa(os.Getpid()) + "\n"); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("write() to \"%s\" failed (%v)", path, err)
	}
	return &pidFile{path: path, f: f}, nil
}

// remove removes the pid file at exit, or empties it through the open
// descriptor when the process may no longer unlink it.
func (p *pidFile) remove() {
	if err := os.Remove(p.path); err != nil && !os.IsNotExist(err) {
		_ = p.f.Truncate(0)
	}
	_ = p.f.Close()
}
