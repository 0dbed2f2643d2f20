// Package upstream builds nginx's upstream groups (upstream {} blocks and the
// implicit groups of proxy_pass http://host:port), their load balancers, and
// the sliced keepalive pool of idle upstream connections that tengine's
// ngx_http_upstream_keepalive_module provides.
//
// # Groups and balancers
//
// The balancers copy nginx's algorithms rule by rule so that a migrated
// configuration keeps its distribution: smooth weighted round robin
// (ngx_http_upstream_round_robin.c), least_conn, ip_hash (first three octets
// of IPv4, whole IPv6, constants 89/113/6271), hash KEY (Cache::Memcached
// compatible crc32 rehashing) and hash KEY consistent (ketama points:
// crc32(HOST "\0" PORT PREV_HASH), 160 points per weight unit), and
// random [two [least_conn]]. A Picker is one request's view of the balancer:
// Next hands out the peer to try (again for every retry, never the same peer
// twice), Done reports the outcome (max_fails/fail_timeout, least_conn).
//
// # The keepalive pool
//
// A Pool belongs to one group and is shared by every request of the process.
// Idle connections are kept per slice: the slice key is the request's
// slice_key value cut to slice_keylen bytes (one shared list without
// slice_key). Get hands out the most recently used idle connection to the
// peer's address in the request's slice; Put keeps a connection only when
// every check of one flat list passes (see Reason for the list, in order).
// With Apache mpm-itk a kept-alive connection belongs to the Unix user of the
// first vhost it served, so a connection is never handed to another slice.
//
// Idle connections are watched: on Linux one epoll instance per pool, itself
// waited on through Go's network poller (no thread or goroutine per idle
// connection, one goroutine per pool), notices an upstream FIN/RST or
// unsolicited bytes and removes the connection at once; elsewhere (and for
// connections without a file descriptor) a goroutine per idle connection does
// it. Idle deadlines (keepalive_timeout, or a shorter upstream Keep-Alive:
// timeout= hint) run on one timer per pool armed for the earliest deadline.
//
// # Deviations from tengine
//
//   - A slice gives its place back when its last idle connection leaves it
//     (taken, evicted, timed out or closed by the upstream), so
//     slice_poolsize bounds the slices alive at once. tengine takes a slice
//     node from its index pool and never returns it: after slice_poolsize
//     distinct keys it never caches again.
//   - When keepalive N is reached the least recently used idle connection is
//     closed and its slice's count goes down. tengine forgets the decrement,
//     so that slice stays "full" for ever.
//   - tengine refuses to keep a connection whenever its slice index pool is
//     exhausted, even for a slice that already exists; only a new slice needs
//     a free place here.
//   - A connection remembers the slice it was first kept in and is refused
//     (ReasonSliceMismatch) if it is put back under another key, so a bug in
//     a caller cannot move one vhost's connection into another slice.
//   - keepalive_timeout 0 means no idle timeout (tengine's reading); the
//     nginx directives keepalive_requests and keepalive_time, which tengine's
//     slice module predates, apply to sliced pools too.
//   - An upstream "Keep-Alive: timeout=T, max=M" response header shortens the
//     connection's idle deadline to T minus a safety margin (min(1s, T/4))
//     and caps its remaining requests at M; nginx ignores the header.
//   - Idle connections are watched for an upstream close as nginx does
//     (its keepalive close handler peeks with MSG_PEEK), and Get also skips
//     a connection whose idle deadline passed before the timer fired, so a
//     connection Apache is closing right now (KeepAliveTimeout) is not
//     handed out.
//   - A slice's count covers its idle connections to every peer, as in
//     tengine (the limit is per slice, not per slice and peer).
//
// # Deviations from nginx
//
//   - Balancer state (current weights, fails, conns) lives in the process,
//     shared by all requests, as in one nginx worker without a zone.
//   - keepalive's "local" parameter is accepted and has no effect.
//   - A "backup" server given before hash/ip_hash/random is accepted (nginx
//     accepts it silently) with a warning; after the method it is an error,
//     as in nginx.
package upstream
