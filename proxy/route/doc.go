// Package route chooses, for one request, the server block (by listen address
// and Host) and the location block (by URI) exactly as nginx does.
//
// Server selection mirrors ngx_http_server_names / ngx_http_find_virtual_server:
// per listen address, an exact name wins, then the longest "*.example.com" /
// ".example.com" wildcard, then the longest "www.example.*" wildcard, then the
// first matching "~regex" in configuration order (its captures are stored in
// the request), else the address's default_server (or its first server).
//
// Location selection mirrors ngx_http_core_find_location and the static
// location tree of ngx_http_init_static_location_trees: "=" exact matches end
// the search, the longest matching prefix is remembered (and its nested
// locations searched), "^~" on that prefix skips the regexes, and otherwise the
// regex locations of each level are tried in configuration order, the nested
// level first. The 301 "auto redirect" (a prefix location ending in "/" whose
// handler is proxy_pass and friends, requested without the slash) is reported
// as a flag for the caller to act on.
//
// The package knows nothing of what a location configures: each Location
// carries a Payload of the caller's type, filled after Build.
package route
