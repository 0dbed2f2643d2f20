// Package static serves files the way nginx's static, index and try_files
// handlers do, together with the filters that shape those responses:
// not_modified (If-Modified-Since, If-None-Match, If-Match,
// If-Unmodified-Since), headers (expires, add_header) and range (single
// and multipart byte ranges, If-Range).
//
// Load time: a Builder turns the directives of each level (http, server,
// location, nested location) into a merged *Config with nginx's
// inheritance: root, alias, index, try_files (not inherited, as in nginx),
// types / include mime.types, default_type, expires, add_header (a level
// with any add_header replaces the inherited list), etag,
// if_modified_since, max_ranges, log_not_found, disable_symlinks.
//
// Request time: (*Config).Resolve fills a Result that tells the core what
// to do — send a file (KindFile, headers final), answer a status itself
// (KindStatus: 301 with Location, 403, 404, 405, 412, 416 with
// Content-Range, 500; the core renders the error page and applies
// FilterHeaders), redirect internally (KindRedirect: index files and
// try_files URIs rerun location matching) or continue in a named location
// (KindNamed). Result.WriteBody writes the body; to a *net.TCPConn it uses
// sendfile.
//
// Deviations from nginx, on purpose:
//   - A ".." segment in a path built from variables (try_files $arg_x,
//     index $var) is refused; nginx would follow it out of the root.
//   - autoindex is not implemented: a directory without an index file is
//     403, as nginx without autoindex.
//   - disable_symlinks on [from=...] is enforced by the kernel (openat2
//     RESOLVE_NO_SYMLINKS, Linux ≥ 5.6) with nginx's statuses (403 for a
//     link as the last component, 404 for a link in a directory);
//     if_not_owner is enforced as on (stricter), with a warning.
//   - alias in a location whose URI a rewrite changed is not refused with
//     500 as nginx does; the rewritten URI is mapped.
//   - In a try_files fallback with alias, nginx strips the location prefix
//     from the fallback URI (a known nginx bug); the fallback is used as
//     written.
//   - open_file_cache, directio, sendfile_max_chunk, aio are not used: the
//     kernel page cache and sendfile do that work.
//   - add_header values are sanitised (NUL, CR, LF become spaces) as
//     nginx ≥ 1.23 does; 1.22 sends them.
package static
