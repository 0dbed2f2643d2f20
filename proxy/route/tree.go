package route

import "sort"

// treeNode is a node of nginx's static location tree
// (ngx_http_location_tree_node_t): a binary search tree over the names of
// one level, where a prefix location's node also carries, in tree, the
// locations of the same level whose names extend it, stored without the
// shared prefix.
type treeNode[T any] struct {
	left, right, tree *treeNode[T]
	exact             *Location[T]
	inclusive         *Location[T]
	autoRedirect      bool
	name              string
}

func (n *treeNode[T]) either() *Location[T] {
	if n.exact != nil {
		return n.exact
	}
	return n.inclusive
}

// queueEntry is ngx_http_location_queue_t: one name, with the exact and/or
// prefix location of that name, and the list of same-level locations whose
// names start with it.
type queueEntry[T any] struct {
	exact, inclusive *Location[T]
	name             string
	list             []*queueEntry[T]
}

// buildStaticTree turns the exact and prefix locations of one level, in
// configuration order, into nginx's tree (ngx_http_init_static_location_trees).
// It reports a duplicate location as nginx does, naming the later one.
func buildStaticTree[T any](locs []*Location[T]) (*treeNode[T], *Location[T]) {
	if len(locs) == 0 {
		return nil, nil
	}
	q := make([]*queueEntry[T], 0, len(locs))
	for _, l := range locs {
		e := &queueEntry[T]{name: l.Name}
		if l.Kind == Exact {
			e.exact = l
		} else {
			e.inclusive = l
		}
		q = append(q, e)
	}
	// ngx_http_cmp_locations: by name, '/' lowest, a name before its
	// extensions; an exact location before the prefix one of the same name.
	// ngx_queue_sort is stable.
	sort.SliceStable(q, func(i, j int) bool { return cmpLocations(q[i], q[j]) < 0 })

	q, dup := joinExact(q)
	if dup != nil {
		return nil, dup
	}
	q = createList(q)
	return createTree(q, 0), nil
}

func cmpLocations[T any](a, b *queueEntry[T]) int {
	n := min(len(a.name), len(b.name)) + 1
	rc := filenameCmp(a.name+"\x00", b.name+"\x00", n)
	if rc == 0 && a.exact == nil && b.exact != nil {
		return 1
	}
	if rc == 0 && a.exact != nil && b.exact == nil {
		return -1
	}
	return rc
}

// joinExact merges an exact and a prefix location of the same name into one
// entry (ngx_http_join_exact_locations).
func joinExact[T any](q []*queueEntry[T]) ([]*queueEntry[T], *Location[T]) {
	out := q[:0:0]
	for _, e := range q {
		if len(out) > 0 {
			prev := out[len(out)-1]
			if prev.name == e.name || (len(prev.name) == len(e.name) && filenameCmp(prev.name, e.name, len(e.name)) == 0) {
				if (prev.exact != nil && e.exact != nil) || (prev.inclusive != nil && e.inclusive != nil) {
					return nil, e.either()
				}
				if e.inclusive != nil {
					prev.inclusive = e.inclusive
				}
				if e.exact != nil {
					prev.exact = e.exact
				}
				continue
			}
		}
		out = append(out, e)
	}
	return out, nil
}

func (e *queueEntry[T]) either() *Location[T] {
	if e.exact != nil {
		return e.exact
	}
	return e.inclusive
}

// createList moves, after every prefix entry, the following entries whose
// names start with its name into its list, recursively
// (ngx_http_create_locations_list).
func createList[T any](q []*queueEntry[T]) []*queueEntry[T] {
	out := make([]*queueEntry[T], 0, len(q))
	for i := 0; i < len(q); {
		e := q[i]
		out = append(out, e)
		i++
		if e.inclusive == nil {
			continue
		}
		j := i
		for j < len(q) && len(q[j].name) >= len(e.name) && filenameCmp(e.name, q[j].name, len(e.name)) == 0 {
			j++
		}
		if j > i {
			e.list = createList(q[i:j:j])
		}
		i = j
	}
	return out
}

// createTree builds the balanced tree over a sorted level, the middle entry
// at the root (ngx_queue_middle picks index n/2), each node's list becoming
// its tree with the node's name cut off (ngx_http_create_locations_tree).
func createTree[T any](q []*queueEntry[T], prefix int) *treeNode[T] {
	if len(q) == 0 {
		return nil
	}
	mid := len(q) / 2
	e := q[mid]
	node := &treeNode[T]{
		exact:        e.exact,
		inclusive:    e.inclusive,
		autoRedirect: (e.exact != nil && e.exact.AutoRedirect) || (e.inclusive != nil && e.inclusive.AutoRedirect),
		name:         e.name[prefix:],
	}
	node.left = createTree(q[:mid], prefix)
	node.right = createTree(q[mid+1:], prefix)
	node.tree = createTree(e.list, prefix+len(node.name))
	return node
}
