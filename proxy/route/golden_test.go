package route

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sliceproxy/vars"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGolden runs every testdata/route/*.conf: the servers of the file form
// one listen address; each "#> host uri" line is a request whose chosen
// server and location are compared with the .golden file.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/route/*.conf")
	if len(files) == 0 {
		t.Fatal("no golden configs")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got := runGolden(t, string(src))
			golden := strings.TrimSuffix(file, ".conf") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s:\n%s", golden, got)
			}
		})
	}
}

func runGolden(t *testing.T, src string) string {
	reg := vars.NewRegistry(vars.RegistryOptions{Hostname: "golden-host"})
	servers := parseHTTP(t, src)
	var cands []Candidate
	var trees []*Tree[string]
	var out strings.Builder
	for i, s := range servers {
		names, diags := CompileServerNames(s.Body(), NameOptions{Hostname: "golden-host", Registry: reg})
		for _, d := range diags {
			fmt.Fprintf(&out, "diagnostic: %s\n", d.Error())
		}
		c := Candidate{Server: i, Names: names}
		for _, d := range s.Body() {
			if d.Name == "listen" && strings.Contains(strings.Join(d.ArgValues(), " "), "default_server") {
				c.Default = true
			}
		}
		cands = append(cands, c)
		tree, diags := Build[string](s.Body(), BuildOptions{Registry: reg})
		for _, d := range diags {
			fmt.Fprintf(&out, "diagnostic: %s\n", d.Error())
		}
		for _, l := range tree.Locations() {
			l.Payload = l.String()
		}
		trees = append(trees, tree)
	}
	router, diags := NewServerRouter("*:80", cands)
	for _, d := range diags {
		fmt.Fprintf(&out, "diagnostic: %s\n", d.Error())
	}
	sc := bufio.NewScanner(strings.NewReader(src))
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "#> ")
		if !ok {
			continue
		}
		host, uri, _ := strings.Cut(line, " ")
		if host == "-" {
			host = ""
		}
		req := reg.NewRequest()
		h, _ := vars.ValidateHost(nil, []byte(host))
		s := router.Select(h, req)
		m := trees[s].Find([]byte(uri), req)
		fmt.Fprintf(&out, "%s -> server=%d(%s) location=%s", line, s, cands[s].Names.Primary(), describe(m))
		if n := req.NumCaptures(); n > 0 {
			fmt.Fprintf(&out, " $1=%q", req.Capture(1))
		}
		out.WriteString("\n")
	}
	return out.String()
}
