package http1

// Field is one header line as received or to be sent: name and value keep their
// original case and bytes (the value without surrounding whitespace).
type Field struct {
	Name, Value []byte
}

// Header is an ordered list of header fields. Order and case are preserved because a
// proxy forwards them as it received them; lookups are ASCII case-insensitive.
// The zero value is an empty header ready to use.
type Header struct {
	Fields []Field
}

// maxRetainedFields is the header capacity kept for reuse between messages; a head
// with more fields (up to thousands fit in large_client_header_buffers) gets a
// fresh slice next time instead of holding the big one.
const maxRetainedFields = 128

// Len returns the number of fields.
func (h *Header) Len() int { return len(h.Fields) }

// Reset empties the header but keeps its capacity for reuse.
func (h *Header) Reset() {
	clear(h.Fields) // drop references into old buffers
	h.Fields = h.Fields[:0]
}

// Get returns the value of the first field named name.
func (h *Header) Get(name string) ([]byte, bool) {
	for i := range h.Fields {
		if equalFoldString(h.Fields[i].Name, name) {
			return h.Fields[i].Value, true
		}
	}
	return nil, false
}

// Has reports whether a field named name is present.
func (h *Header) Has(name string) bool {
	_, ok := h.Get(name)
	return ok
}

// Count returns how many fields are named name.
func (h *Header) Count(name string) int {
	n := 0
	for i := range h.Fields {
		if equalFoldString(h.Fields[i].Name, name) {
			n++
		}
	}
	return n
}

// countName is Count for a []byte name.
func (h *Header) countName(name []byte) int {
	n := 0
	for i := range h.Fields {
		if equalFold(h.Fields[i].Name, name) {
			n++
		}
	}
	return n
}

// Values appends the values of every field named name to dst, in order, and returns
// the extended slice. Passing a reused dst[:0] keeps it allocation free.
func (h *Header) Values(name string, dst [][]byte) [][]byte {
	for i := range h.Fields {
		if equalFoldString(h.Fields[i].Name, name) {
			dst = append(dst, h.Fields[i].Value)
		}
	}
	return dst
}

// Add appends a field. The slices are stored, not copied.
func (h *Header) Add(name, value []byte) {
	h.Fields = append(h.Fields, Field{Name: name, Value: value})
}

// Set replaces every field named name with one field (at the position of the first
// one, or at the end when there was none).
func (h *Header) Set(name, value []byte) {
	for i := range h.Fields {
		if equalFold(h.Fields[i].Name, name) {
			h.Fields[i].Value = value
			h.delFrom(i+1, name)
			return
		}
	}
	h.Add(name, value)
}

// Del removes every field named name and reports how many were removed.
func (h *Header) Del(name string) int {
	n := 0
	out := h.Fields[:0]
	for _, f := range h.Fields {
		if equalFoldString(f.Name, name) {
			n++
			continue
		}
		out = append(out, f)
	}
	clear(h.Fields[len(out):])
	h.Fields = out
	return n
}

// delFrom removes the fields named name at index from and beyond.
func (h *Header) delFrom(from int, name []byte) {
	out := h.Fields[:from]
	for _, f := range h.Fields[from:] {
		if !equalFold(f.Name, name) {
			out = append(out, f)
		}
	}
	clear(h.Fields[len(out):])
	h.Fields = out
}

// Each calls fn for every field in order until fn returns false.
func (h *Header) Each(fn func(name, value []byte) bool) {
	for i := range h.Fields {
		if !fn(h.Fields[i].Name, h.Fields[i].Value) {
			return
		}
	}
}

// lowerTable maps ASCII upper case letters to lower case and every other byte to itself.
var lowerTable = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if 'A' <= i && i <= 'Z' {
			t[i] = byte(i) + 'a' - 'A'
		}
	}
	return t
}()

func lower(c byte) byte { return lowerTable[c] }

// EqualFoldString reports whether b and s are equal under ASCII case
// folding, without allocating: header names, tokens and hostnames are
// compared this way (never with Unicode folding).
func EqualFoldString(b []byte, s string) bool { return equalFoldString(b, s) }

// EqualFold is EqualFoldString for two byte slices.
func EqualFold(a, b []byte) bool { return equalFold(a, b) }

func equalFoldString(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if b[i] != s[i] && lowerTable[b[i]] != lowerTable[s[i]] {
			return false
		}
	}
	return true
}

func equalFold(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] && lowerTable[a[i]] != lowerTable[b[i]] {
			return false
		}
	}
	return true
}
