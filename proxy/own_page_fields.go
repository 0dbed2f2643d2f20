package proxy

import "sliceproxy/proxy/http1"

// addExtraFields copies the fields a handler set before deciding to answer
// with one of nginx's own pages (the static handler's 416 carries
// "Content-Range: bytes */SIZE" and the headers filter's fields). The page
// brings its own type and length, and a Location is sent only by redirect,
// so those are skipped; ngx_http_send_special_response likewise clears
// Accept-Ranges, Last-Modified and ETag.
func addExtraFields(dst, extra *http1.Header) {
	for i := range extra.Fields {
		f := &extra.Fields[i]
		if isOneOf(f.Name, ownPageClears) {
			continue
		}
		dst.Add(f.Name, f.Value)
	}
}

// ownPageClears are the fields an own page never takes from the handler.
var ownPageClears = []string{
	"Content-Type", "Content-Length", "Location",
	"Accept-Ranges", "Last-Modified", "ETag",
}
