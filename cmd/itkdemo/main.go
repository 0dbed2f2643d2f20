// Command itkdemo runs demo backends that behave like Apache with mpm-itk
// (see internal/itkdemo) on loopback, for `make run`.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"sliceproxy/internal/itkdemo"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8081", "address to listen on")
	vhosts := flag.String("vhosts", "a.test,b.test,c.test", "comma-separated vhosts; the first is the default")
	maxReq := flag.Int("max-requests", 101, "requests per connection (Apache MaxKeepAliveRequests+1)")
	idle := flag.Duration("idle", 5*time.Second, "idle timeout (Apache KeepAliveTimeout)")
	quiet := flag.Bool("q", false, "do not log connections")
	flag.Parse()

	logger := log.New(os.Stderr, "itkdemo "+*listen+": ", log.Ltime)
	opt := itkdemo.Options{Vhosts: strings.Split(*vhosts, ","), MaxRequests: *maxReq, IdleTimeout: *idle}
	if !*quiet {
		opt.Log = logger.Printf
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "itkdemo:", err)
		os.Exit(1)
	}
	b := itkdemo.New(opt)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sig
		b.Close()
	}()
	logger.Printf("serving vhosts %s (mpm-itk behaviour: one vhost per connection)", *vhosts)
	if err := b.Serve(l); err != nil {
		fmt.Fprintln(os.Stderr, "itkdemo:", err)
		os.Exit(1)
	}
	s := b.Stats()
	logger.Printf("stopped: %d connections, %d requests, %d refused (other vhost)", s.Connections, s.Requests, s.Refused)
}
