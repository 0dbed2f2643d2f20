package auth

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

const (
	// maxCachedFiles bounds the cache when auth_basic_user_file has
	// variables and so may name many files.
	maxCachedFiles = 64
	// maxCachedSize: larger files are read on every request, as nginx
	// does, instead of being held in memory.
	maxCachedSize = 4 << 20
)

// FileCache holds user files between requests. nginx opens and reads the
// file on every request, so a changed file applies to the next request;
// FileCache keeps that behaviour without the read: every request stats the
// path and reuses the cached bytes only while the size and modification time
// are unchanged. A file rewritten within the file system's timestamp
// resolution with the same size would be missed until its mtime changes
// (nanoseconds on ext4/xfs, so in practice never). One FileCache belongs to
// one Runtime; it is safe for concurrent use.
type FileCache struct {
	mu    sync.Mutex
	files map[string]cachedFile
}

type cachedFile struct {
	size  int64
	mtime time.Time
	data  []byte
}

// NewFileCache returns an empty cache.
func NewFileCache() *FileCache {
	return &FileCache{files: make(map[string]cachedFile)}
}

// Read returns the file's contents. Its error is an *os.PathError from
// open/stat/read, so the caller can tell a missing file (nginx: 403) from
// other failures (500).
func (c *FileCache) Read(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if c != nil {
		c.mu.Lock()
		e, ok := c.files[path]
		c.mu.Unlock()
		if ok && e.size == fi.Size() && e.mtime.Equal(fi.ModTime()) {
			return e.data, nil
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Stat the open file: the bytes and the size/mtime cached with them
	// then describe the same file even if the path was replaced between.
	fi, err = f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		// nginx's read(2) of a directory fails with EISDIR: a 500.
		return nil, &os.PathError{Op: "read", Path: path, Err: fmt.Errorf("not a regular file")}
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, &os.PathError{Op: "read", Path: path, Err: err}
	}
	if c != nil && int64(len(data)) == fi.Size() && fi.Size() <= maxCachedSize {
		c.mu.Lock()
		if len(c.files) >= maxCachedFiles {
			for k := range c.files {
				delete(c.files, k)
				break
			}
		}
		c.files[path] = cachedFile{size: fi.Size(), mtime: fi.ModTime(), data: data}
		c.mu.Unlock()
	}
	return data, nil
}
