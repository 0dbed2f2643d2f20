// Package rawsys makes the few system calls of the proxy's hot paths that
// can never block (on non-blocking sockets, or epoll_wait with a zero
// timeout) as raw system calls.
//
// Why: a call made through syscall.Syscall enters the Go scheduler's
// "in a system call" state. That state wakes sysmon from its deep sleep
// (runtime.entersyscallWakeSysmon) and, when the kernel preempts the thread
// inside the call — which a loopback write does whenever it wakes a peer on
// the same CPU — lets sysmon hand the P to another thread. With
// GOMAXPROCS=1 and the proxy sharing a CPU with its backend, those wakeups
// cost about 5 % of the proxy's CPU (see proxy/perf/NOTES.md). A raw call
// skips the state; it is only correct for calls that return at once.
package rawsys
