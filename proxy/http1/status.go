package http1

// statusText holds nginx's reason phrases (ngx_http_header_filter_module.c). nginx
// has its own wording for some codes: 302 "Moved Temporarily", 405 "Not Allowed",
// 408 "Request Time-out", 413 "Request Entity Too Large", 414 "Request-URI Too
// Large", 503 "Service Temporarily Unavailable", 504 "Gateway Time-out".
var statusText = map[int]string{
	200: "OK",
	201: "Created",
	202: "Accepted",
	204: "No Content",
	206: "Partial Content",

	301: "Moved Permanently",
	302: "Moved Temporarily",
	303: "See Other",
	304: "Not Modified",
	307: "Temporary Redirect",
	308: "Permanent Redirect",

	400: "Bad Request",
	401: "Unauthorized",
	402: "Payment Required",
	403: "Forbidden",
	404: "Not Found",
	405: "Not Allowed",
	406: "Not Acceptable",
	408: "Request Time-out",
	409: "Conflict",
	410: "Gone",
	411: "Length Required",
	412: "Precondition Failed",
	413: "Request Entity Too Large",
	414: "Request-URI Too Large",
	415: "Unsupported Media Type",
	416: "Requested Range Not Satisfiable",
	421: "Misdirected Request",
	429: "Too Many Requests",

	500: "Internal Server Error",
	501: "Not Implemented",
	502: "Bad Gateway",
	503: "Service Temporarily Unavailable",
	504: "Gateway Time-out",
	505: "HTTP Version Not Supported",
	507: "Insufficient Storage",
}

// StatusText returns nginx's reason phrase for code, "" when nginx has none (it then
// sends the bare code). nginx's internal codes 494-497 answer as 400 "Bad Request".
func StatusText(code int) string {
	return statusText[ShownStatus(code)]
}

// ShownStatus maps nginx's internal codes to what the client sees: 494 (request
// header too large), 495, 496, 497 (TLS client problems) are sent as 400.
func ShownStatus(code int) int {
	if code >= 494 && code <= 497 {
		return 400
	}
	return code
}
