package http1

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dumpRequest renders what ReadRequest and the body reader made of a request.
func dumpRequest(req *Request, body []byte, trailer *Header) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Method: %q\nTarget: %q\nPath: %q\nQuery: %q (has %v)\nURI: %q\n",
		req.Method, req.Target, req.Path, req.Query, req.HasQuery, req.URI)
	fmt.Fprintf(&b, "Host: %q\nScheme: %q\nProto: %q (%d.%d)\nRequestLine: %q\n",
		req.Host, req.Scheme, req.Proto, req.ProtoMajor, req.ProtoMinor, req.RequestLine)
	fmt.Fprintf(&b, "HostHeader: %q\nContentLength: %d\nChunked: %v\nKeepAlive: %v\nUpgrade: %v\nExpect100: %v\nHeadLength: %d\n",
		req.HostHeader, req.ContentLength, req.Chunked, req.KeepAlive, req.Upgrade, req.Expect100, req.HeadLength)
	for _, f := range req.Header.Fields {
		fmt.Fprintf(&b, "Header: %q = %q\n", f.Name, f.Value)
	}
	fmt.Fprintf(&b, "Body: %q\n", body)
	for _, f := range trailer.Fields {
		fmt.Fprintf(&b, "Trailer: %q = %q\n", f.Name, f.Value)
	}
	return b.String()
}

// TestRequestGoldens parses testdata/http1/requests/*.http and compares the result
// with the .golden next to it (UPDATE_GOLDEN=1 rewrites them).
func TestRequestGoldens(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "http1", "requests", "*.http"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no request files: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			rd := NewReader(bytes.NewReader(raw), Options{})
			var req Request
			if err := rd.ReadRequest(&req); err != nil {
				t.Fatal(err)
			}
			var br BodyReader
			br.ResetForRequest(rd, &req)
			body, err := io.ReadAll(&br)
			if err != nil {
				t.Fatal(err)
			}
			got := dumpRequest(&req, body, &br.Trailer)
			golden := strings.TrimSuffix(f, ".http") + ".golden"
			if os.Getenv("UPDATE_GOLDEN") != "" {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("differs from %s:\n%s", golden, got)
			}
		})
	}
}
