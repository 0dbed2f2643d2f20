//go:build !linux

package http1

import "net"

// RawSocket is Linux-only; elsewhere NewRawSocket returns nil and callers
// use the connection itself.
type RawSocket struct{}

// NewRawSocket returns nil: no raw socket I/O on this system.
func NewRawSocket(net.Conn) *RawSocket { return nil }

// Read is never called on a nil *RawSocket.
func (s *RawSocket) Read([]byte) (int, error) { panic("http1: RawSocket is Linux-only") }

// Write is never called on a nil *RawSocket.
func (s *RawSocket) Write([]byte) (int, error) { panic("http1: RawSocket is Linux-only") }

// Writev is never called on a nil *RawSocket.
func (s *RawSocket) Writev([][]byte) (int64, error) { panic("http1: RawSocket is Linux-only") }
