package upstream_test

import (
	"context"
	"fmt"
	"time"

	"sliceproxy/upstream"
	"sliceproxy/vars"
)

// Example shows the proxy's side of one request: pick a peer, take an idle
// connection of the request's slice or dial, exchange, give it back.
func Example() {
	g := upstream.NewGroup("itk", upstream.MethodRoundRobin, []*upstream.Peer{{Name: "127.0.0.1:18081"}}, nil)
	g.Pool = upstream.NewPool(g.Peers, upstream.PoolConfig{Name: "itk", MaxIdle: 30, Sliced: true})
	defer g.Pool.Close()

	var req *vars.Request // the request's variables (nil here: no slice_key)
	picker := g.Picker(req)
	for {
		peer, err := picker.Next()
		if err != nil {
			fmt.Println("502:", err)
			return
		}
		key := "a.test" // g.SliceKey(req) with slice_key=$host
		conn := g.Pool.Get(peer, key)
		if conn == nil {
			conn, err = g.Pool.Dial(context.Background(), peer, 60*time.Second)
			if err != nil {
				picker.Done(peer, true) // counts against max_fails; try the next peer
				continue
			}
		}
		// ... write the request, read the response on conn ...
		picker.Done(peer, false)
		limit := 2 // g.SliceLimit(req) with slice_conn=2
		err = g.Pool.Put(conn, upstream.Outcome{
			ResponseComplete: true, UpstreamKeepAlive: true, RequestBodySent: true,
			Key: key, Limit: limit,
		})
		fmt.Println("kept:", err == nil)
		return
	}
}
