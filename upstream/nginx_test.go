package upstream

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"sliceproxy/vars"
)

// freePorts returns n loopback ports the kernel considers free.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var lns []net.Listener
	var ports []int
	for i := 0; i < n; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}

// TestBalancersMatchNginx starts a real nginx on loopback whose upstreams
// (hash consistent, hash, ip_hash) point at servers of the same nginx that
// answer with their own port, sends requests with many keys / client
// addresses, and compares nginx's choice with ours.
func TestBalancersMatchNginx(t *testing.T) {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		for _, p := range []string{"/usr/sbin/nginx", "/usr/local/nginx/sbin/nginx"} {
			if _, e := os.Stat(p); e == nil {
				bin, err = p, nil
			}
		}
	}
	if err != nil {
		t.Skip("nginx not installed; skipping the comparison with real nginx")
	}
	ports := freePorts(t, 6)
	front, backends := ports[0], ports[1:]
	weights := []int{1, 2, 1, 3, 1}
	var servers, listens strings.Builder
	for i, p := range backends {
		fmt.Fprintf(&servers, "        server 127.0.0.1:%d weight=%d;\n", p, weights[i])
		fmt.Fprintf(&listens, "    server { listen 127.0.0.1:%d; return 200 $server_port; }\n", p)
	}
	conf := fmt.Sprintf(`daemon off;
master_process off;
error_log stderr warn;
pid nginx.pid;
events { worker_connections 128; }
http {
    access_log off;
    client_body_temp_path tmp; proxy_temp_path tmp; fastcgi_temp_path tmp;
    uwsgi_temp_path tmp; scgi_temp_path tmp;
    upstream hc {
        hash $arg_k consistent;
%[1]s    }
    upstream h {
        hash $arg_k;
%[1]s    }
    upstream ip {
        ip_hash;
%[1]s    }
%[2]s
    server {
        listen 127.0.0.1:%[3]d;
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Real-IP;
        location /hc { proxy_pass http://hc; }
        location /h { proxy_pass http://h; }
        location /ip { proxy_pass http://ip; }
    }
}
`, servers.String(), listens.String(), front)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "-p", dir, "-c", "nginx.conf", "-e", "stderr")
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start nginx: %v", err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	client := &http.Client{Timeout: 5 * time.Second}
	get := func(path, realIP string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", fmt.Sprintf("http://127.0.0.1:%d%s", front, path), nil)
		if realIP != "" {
			req.Header.Set("X-Real-IP", realIP)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v (nginx stderr: %s)", path, err, stderr.String())
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", front), time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not start: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}

	mkGroup := func(m Method) *Group {
		var peers []*Peer
		for i, p := range backends {
			name := "127.0.0.1:" + strconv.Itoa(p)
			peers = append(peers, &Peer{Name: name, Server: name, Weight: weights[i]})
		}
		return NewGroup("g", m, peers, nil)
	}
	portOf := func(p *Peer) string { return p.Name[strings.LastIndexByte(p.Name, ':')+1:] }

	rng := rand.New(rand.NewPCG(1, 2))
	for _, m := range []struct {
		method Method
		path   string
	}{{MethodHashConsistent, "/hc"}, {MethodHash, "/h"}} {
		g := mkGroup(m.method)
		mismatch := 0
		for i := 0; i < 150; i++ {
			key := fmt.Sprintf("k%d-%x", i, rng.Uint32())
			if i == 0 {
				key = "" // an empty key has its own rules in some nginx versions
			}
			pk := keyPicker(g, key)
			p, err := pk.Next()
			if err != nil {
				t.Fatal(err)
			}
			pk.Done(p, false)
			if got := get(m.path+"?k="+key, ""); got != portOf(p) {
				mismatch++
				if mismatch < 5 {
					t.Errorf("%s key %q: nginx chose %s, we chose %s", m.method, key, got, portOf(p))
				}
			}
		}
		if mismatch > 0 {
			t.Errorf("%s: %d of 150 keys differ from nginx", m.method, mismatch)
		}
	}

	g := mkGroup(MethodIPHash)
	mismatch := 0
	for i := 0; i < 150; i++ {
		var ip netip.Addr
		if i%5 == 4 {
			var a [16]byte
			for j := range a {
				a[j] = byte(rng.UintN(256))
			}
			a[0], a[1] = 0x20, 0x01
			ip = netip.AddrFrom16(a)
		} else {
			ip = netip.AddrFrom4([4]byte{byte(1 + rng.UintN(223)), byte(rng.UintN(256)), byte(rng.UintN(256)), byte(rng.UintN(256))})
		}
		req := &vars.Request{}
		req.RemoteAddr = netip.AddrPortFrom(ip, 40000)
		pk := g.Picker(req)
		p, err := pk.Next()
		if err != nil {
			t.Fatal(err)
		}
		pk.Done(p, false)
		if got := get("/ip", ip.String()); got != portOf(p) {
			mismatch++
			if mismatch < 5 {
				t.Errorf("ip_hash %s: nginx chose %s, we chose %s", ip, got, portOf(p))
			}
		}
	}
	if mismatch > 0 {
		t.Errorf("ip_hash: %d of 150 addresses differ from nginx", mismatch)
	}
}
