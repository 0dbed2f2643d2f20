// Package rewrite runs nginx's rewrite module: set, if, rewrite, return and
// break, compiled once per server block and per location block into a Script
// that runs on a *vars.Request, plus error_page tables.
//
// A Script mirrors the code array nginx builds (ngx_http_rewrite_module.c,
// ngx_http_script.c): the directives of a block and of the if blocks inside
// it, in order. Running it may change the request's URI and args, set
// variables and regex captures, select an if block's configuration, and end
// with an answer (return, redirect, 500) or a request to search the
// locations again (rewrite ... last, or a rewrite without flag).
//
// Rewrite directives are not inherited: a location without any has no
// script, as in nginx.
package rewrite
