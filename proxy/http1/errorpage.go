package http1

import (
	"bytes"
	"strconv"
)

// errorPageTitle is the title of nginx's built-in page for each code that has one
// (ngx_http_special_response.c); codes missing here get an empty body.
var errorPageTitle = map[int]string{
	301: "301 Moved Permanently",
	302: "302 Found",
	303: "303 See Other",
	307: "307 Temporary Redirect",
	308: "308 Permanent Redirect",
	400: "400 Bad Request",
	401: "401 Authorization Required",
	402: "402 Payment Required",
	403: "403 Forbidden",
	404: "404 Not Found",
	405: "405 Not Allowed",
	406: "406 Not Acceptable",
	408: "408 Request Time-out",
	409: "409 Conflict",
	410: "410 Gone",
	411: "411 Length Required",
	412: "412 Precondition Failed",
	413: "413 Request Entity Too Large",
	414: "414 Request-URI Too Large",
	415: "415 Unsupported Media Type",
	416: "416 Requested Range Not Satisfiable",
	421: "421 Misdirected Request",
	429: "429 Too Many Requests",
	494: "400 Request Header Or Cookie Too Large",
	495: "400 The SSL certificate error",
	496: "400 No required SSL certificate was sent",
	497: "400 The plain HTTP request was sent to HTTPS port",
	498: "404 Not Found",
	500: "500 Internal Server Error",
	501: "501 Not Implemented",
	502: "502 Bad Gateway",
	503: "503 Service Temporarily Unavailable",
	504: "504 Gateway Time-out",
	505: "505 HTTP Version Not Supported",
	507: "507 Insufficient Storage",
}

// msiePadding is what nginx appends to 4xx/5xx pages for MSIE and Chrome
// (msie_padding on) so that the browsers show the page instead of their own.
const msiePadding = "<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n"

// ErrorPage returns nginx's built-in error page body for code, ending with
// "<hr><center>serverTag</center>". nginx writes "nginx" there with server_tokens
// off and "nginx/VERSION" with it on; sliceproxy passes "nginx" so that clients see
// the pages they saw before. It returns nil for codes without a page (e.g. 204, 304).
func ErrorPage(code int, serverTag string) []byte {
	return AppendErrorPage(nil, code, serverTag, false)
}

// AppendErrorPage appends the page of ErrorPage, with the MSIE/Chrome padding when
// padding is true (see NeedsPadding).
func AppendErrorPage(dst []byte, code int, serverTag string, padding bool) []byte {
	title, ok := errorPageTitle[code]
	if !ok {
		return dst
	}
	h1 := title
	if code >= 494 && code <= 497 {
		h1 = "400 Bad Request"
	}
	dst = append(dst, "<html>\r\n<head><title>"...)
	dst = append(dst, title...)
	dst = append(dst, "</title></head>\r\n<body>\r\n<center><h1>"...)
	dst = append(dst, h1...)
	dst = append(dst, "</h1></center>\r\n"...)
	if code >= 494 && code <= 497 {
		dst = append(dst, "<center>"...)
		dst = append(dst, title[len("400 "):]...)
		dst = append(dst, "</center>\r\n"...)
	}
	dst = append(dst, "<hr><center>"...)
	dst = append(dst, serverTag...)
	dst = append(dst, "</center>\r\n</body>\r\n</html>\r\n"...)
	if padding && code >= 400 {
		dst = append(dst, msiePadding...)
	}
	return dst
}

// HasErrorPage reports whether nginx has a built-in page for code.
func HasErrorPage(code int) bool {
	_, ok := errorPageTitle[code]
	return ok
}

// NeedsPadding reports whether nginx would pad an error page for this User-Agent
// (ngx_http_process_user_agent: MSIE unless Opera, or Chrome unless Gecko-based).
func NeedsPadding(userAgent []byte) bool {
	if bytes.Contains(userAgent, []byte("Opera")) {
		return false
	}
	if i := bytes.Index(userAgent, []byte("MSIE ")); i >= 0 && i+7 < len(userAgent) {
		return true
	}
	if bytes.Contains(userAgent, []byte("Gecko/")) {
		return false
	}
	return bytes.Contains(userAgent, []byte("Chrome/"))
}

// AppendErrorResponse appends a complete nginx-style error response: status line,
// Server, Date (when date is non-empty), Content-Type, Content-Length, Connection and
// the page. keepAlive chooses "Connection: keep-alive" or "close".
func AppendErrorResponse(dst []byte, code int, serverTag string, date []byte, keepAlive, padding bool) []byte {
	var page [1024]byte
	body := AppendErrorPage(page[:0], code, serverTag, padding)
	dst = AppendStatusLine(dst, code)
	dst = AppendFieldString(dst, "Server", serverTag)
	if len(date) > 0 {
		dst = AppendField(dst, []byte("Date"), date)
	}
	if len(body) > 0 {
		dst = AppendFieldString(dst, "Content-Type", "text/html")
	}
	dst = append(dst, "Content-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(body)), 10)
	dst = append(dst, "\r\n"...)
	if keepAlive {
		dst = AppendFieldString(dst, "Connection", "keep-alive")
	} else {
		dst = AppendFieldString(dst, "Connection", "close")
	}
	dst = append(dst, "\r\n"...)
	return append(dst, body...)
}
