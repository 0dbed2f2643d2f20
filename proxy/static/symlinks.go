package static

import (
	"errors"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"sliceproxy/vars"
)

// symlinkMode is the disable_symlinks setting.
type symlinkMode uint8

const (
	symlinksFollow symlinkMode = iota // off: nginx's default
	// symlinksRefuse: on, and if_not_owner (which sliceproxy treats as on:
	// stricter, never looser).
	symlinksRefuse
)

// openFile opens path for reading as nginx's static handler does:
// non-blocking (a FIFO must not hang the request) and, with
// disable_symlinks, refusing a symbolic link in any component after the
// from= prefix. That check is done by the kernel (openat2 with
// RESOLVE_NO_SYMLINKS, Linux ≥ 5.6), so a link swapped in between a check
// and the open cannot slip through.
func (c *Config) openFile(req *vars.Request, path string) (*os.File, error) {
	if c.symlinks == symlinksFollow {
		return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	}
	from := 0
	if c.symlinksFrom != nil {
		var buf [256]byte
		var prefix []byte
		if c.symlinksFrom.docRoot {
			prefix = c.rootPath(req, buf[:0])
		} else {
			prefix = c.symlinksFrom.eval(req, buf[:0])
		}
		// nginx checks the whole path when it does not start with from=.
		if len(prefix) > 0 && len(prefix) <= len(path) && path[:len(prefix)] == string(prefix) {
			from = len(prefix)
		}
	}
	return openNoSymlinks(path, from)
}

// openNoSymlinks opens path without following symbolic links after its
// first from bytes (which are resolved normally).
func openNoSymlinks(path string, from int) (*os.File, error) {
	dirfd := unix.AT_FDCWD
	rel := path
	if from > 0 {
		fd, err := unix.Open(path[:from], unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: path, Err: err}
		}
		defer unix.Close(fd)
		dirfd = fd
		rel = strings.TrimLeft(path[from:], "/")
		if rel == "" {
			rel = "."
		}
	}
	how := unix.OpenHow{Flags: unix.O_RDONLY | unix.O_NONBLOCK | unix.O_CLOEXEC, Resolve: unix.RESOLVE_NO_SYMLINKS}
	fd, err := unix.Openat2(dirfd, rel, &how)
	if err == unix.ELOOP {
		// nginx walks the path with O_NOFOLLOW|O_DIRECTORY: a link in a
		// directory component fails as ENOTDIR (404), only a link as the
		// last component as ELOOP (403). Tell the two apart for the status;
		// the refusal itself was already atomic.
		if st, lerr := os.Lstat(path); lerr == nil && st.Mode()&os.ModeSymlink == 0 {
			err = unix.ENOTDIR
		}
	}
	if err != nil {
		return nil, &os.PathError{Op: "openat", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// isSymlinkRefusal reports the errors nginx answers 403 to when
// disable_symlinks refused a path (NGX_ELOOP, NGX_EMLINK).
func isSymlinkRefusal(err error) bool {
	return errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK)
}

// statFile is os.Stat under the disable_symlinks rule (try_files).
func (c *Config) statFile(req *vars.Request, path string) (os.FileInfo, error) {
	if c.symlinks == symlinksFollow {
		return os.Stat(path)
	}
	f, err := c.openFile(req, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Stat()
}
