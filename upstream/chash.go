package upstream

import (
	"encoding/binary"
	"hash/crc32"
	"slices"
	"strings"
)

// chashPoint is one point of the consistent hash ring.
type chashPoint struct {
	hash   uint32
	server string
}

func crc32IEEE(b []byte) uint32               { return crc32.ChecksumIEEE(b) }
func crc32Update(crc uint32, b []byte) uint32 { return crc32.Update(crc, crc32.IEEETable, b) }

// chashPoints builds nginx's ketama ring (ngx_http_upstream_init_chash):
// for every primary peer, weight*160 points crc32(HOST "\0" PORT PREV_HASH)
// from the server address as written; sorted, duplicates dropped.
func chashPoints(peers []*Peer) []chashPoint {
	n := 0
	for _, p := range peers {
		n += p.Weight * 160
	}
	points := make([]chashPoint, 0, n)
	for _, p := range peers {
		host, port := chashHostPort(p.Server)
		base := crc32Update(0, []byte(host))
		base = crc32Update(base, []byte{0})
		base = crc32Update(base, []byte(port))
		var prev [4]byte
		for j := 0; j < p.Weight*160; j++ {
			h := crc32Update(base, prev[:])
			points = append(points, chashPoint{hash: h, server: p.Server})
			binary.LittleEndian.PutUint32(prev[:], h)
		}
	}
	// nginx sorts with an unstable qsort; equal hashes of different servers
	// are astronomically rare and resolved here by server name.
	slices.SortFunc(points, func(a, b chashPoint) int {
		if a.hash != b.hash {
			if a.hash < b.hash {
				return -1
			}
			return 1
		}
		return strings.Compare(a.server, b.server)
	})
	return slices.CompactFunc(points, func(a, b chashPoint) bool { return a.hash == b.hash })
}

// chashHostPort splits a server address as nginx does for the ring: after
// "unix:" everything is the host; otherwise a trailing ":digits" is the
// port, and without one the port is empty.
func chashHostPort(server string) (host, port string) {
	if len(server) >= 5 && strings.EqualFold(server[:5], "unix:") {
		return server[5:], ""
	}
	for j := 0; j < len(server); j++ {
		c := server[len(server)-j-1]
		if c == ':' {
			return server[:len(server)-j-1], server[len(server)-j:]
		}
		if c < '0' || c > '9' {
			break
		}
	}
	return server, ""
}

// findChashPoint returns the index of the first point >= hash (len(points)
// when none; the caller takes it modulo len).
func findChashPoint(points []chashPoint, hash uint32) int {
	i, j := 0, len(points)
	for i < j {
		k := (i + j) / 2
		switch {
		case hash > points[k].hash:
			i = k + 1
		case hash < points[k].hash:
			j = k
		default:
			return k
		}
	}
	return i
}
