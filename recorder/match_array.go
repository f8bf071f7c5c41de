package recorder

import (
	"encoding/json"
	"slices"
)

// defaultMatchKeys are the keys an array of objects is matched by when
// every element has one of them, unique, and the caller named none.
var defaultMatchKeys = []string{"id", "name"}

// maxAlign bounds the cells of the longest-common-subsequence table
// (elements left after trimming the common ends, recorded × replayed);
// larger arrays are compared index by index.
const maxAlign = 1 << 16

// array compares two arrays: by a key when one is evident (see keyOf),
// otherwise by a longest-common-subsequence alignment, so that one element
// inserted or deleted is one difference rather than one per later index.
// Paths of matched and missing elements carry their recorded index,
// unexpected ones their replayed index.
func (c *comparer) array(w, g []any, path []any) {
	if key, wk, gk := c.keyOf(w, g, path); key != "" {
		c.byKey(w, g, wk, gk, key, path)
		return
	}
	// Common ends need no table.
	lo := 0
	for lo < len(w) && lo < len(g) && c.equal(w[lo], g[lo], at(path, lo)) {
		lo++
	}
	hw, hg := len(w), len(g)
	for hw > lo && hg > lo && c.equal(w[hw-1], g[hg-1], at(path, hw-1)) {
		hw--
		hg--
	}
	mw, mg := w[lo:hw], g[lo:hg]
	if len(mw)*len(mg) > maxAlign {
		c.byIndex(w, g, path)
		return
	}
	pairs := c.align(mw, mg, lo, path)
	// Walk the alignment: elements between two matched pairs that are on
	// both sides are the same element changed (compared field by field,
	// in order), the rest missing or unexpected.
	iw, ig := 0, 0
	for _, p := range append(pairs, [2]int{len(mw), len(mg)}) {
		for iw < p[0] && ig < p[1] {
			c.value(mw[iw], mg[ig], at(path, lo+iw))
			iw++
			ig++
		}
		for ; iw < p[0]; iw++ {
			if p := at(path, lo+iw); !c.ignored(p) {
				c.add(p, mw[iw], nil, true, false)
			}
		}
		for ; ig < p[1]; ig++ {
			if p := at(path, lo+ig); !c.ignored(p) {
				c.add(p, nil, mg[ig], false, true)
			}
		}
		iw, ig = p[0]+1, p[1]+1
	}
}

// align returns the index pairs of a longest common subsequence of w and
// g under equal, in increasing order.
func (c *comparer) align(w, g []any, base int, path []any) [][2]int {
	n, m := len(w), len(g)
	if n == 0 || m == 0 {
		return nil
	}
	// l[i][j] is the LCS length of w[i:] and g[j:].
	l := make([][]int, n+1)
	for i := range l {
		l[i] = make([]int, m+1)
	}
	eq := make([][]bool, n)
	for i := n - 1; i >= 0; i-- {
		eq[i] = make([]bool, m)
		for j := m - 1; j >= 0; j-- {
			eq[i][j] = c.equal(w[i], g[j], at(path, base+i))
			switch {
			case eq[i][j]:
				l[i][j] = l[i+1][j+1] + 1
			case l[i+1][j] >= l[i][j+1]:
				l[i][j] = l[i+1][j]
			default:
				l[i][j] = l[i][j+1]
			}
		}
	}
	var pairs [][2]int
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case eq[i][j]:
			pairs = append(pairs, [2]int{i, j})
			i++
			j++
		case l[i+1][j] >= l[i][j+1]:
			i++
		default:
			j++
		}
	}
	return pairs
}

// byIndex compares element i with element i.
func (c *comparer) byIndex(w, g []any, path []any) {
	for i := 0; i < max(len(w), len(g)); i++ {
		p := at(path, i)
		switch {
		case i < len(w) && i < len(g):
			c.value(w[i], g[i], p)
		case c.ignored(p):
		case i < len(w):
			c.add(p, w[i], nil, true, false)
		default:
			c.add(p, nil, g[i], false, true)
		}
	}
}

// keyOf returns the first of the caller's match keys, then "id" and
// "name", that identifies the elements of both arrays: every element is an
// object holding the key with a string or number value, unique within its
// array, and the key is not ignored (an ignored id is one the server
// makes up). It returns the key and each element's rendered key value.
func (c *comparer) keyOf(w, g []any, path []any) (string, []string, []string) {
	if len(w) == 0 || len(g) == 0 {
		return "", nil, nil
	}
	for _, key := range append(slices.Clip(c.keys), defaultMatchKeys...) {
		if c.ignored(append(at(path, 0), key)) {
			continue
		}
		wk, ok1 := keyValues(w, key)
		gk, ok2 := keyValues(g, key)
		if ok1 && ok2 {
			return key, wk, gk
		}
	}
	return "", nil, nil
}

func keyValues(a []any, key string) ([]string, bool) {
	vals := make([]string, len(a))
	seen := make(map[string]bool, len(a))
	for i, e := range a {
		o, ok := e.(map[string]any)
		if !ok {
			return nil, false
		}
		switch v := o[key].(type) {
		case string:
			vals[i] = "s" + v
		case json.Number:
			vals[i] = "n" + v.String()
		default:
			return nil, false
		}
		if seen[vals[i]] {
			return nil, false
		}
		seen[vals[i]] = true
	}
	return vals, true
}

// byKey pairs elements with the same key value. A recorded element with
// no partner is missing, a replayed one unexpected; when the elements
// both sides hold come in another order, that is one difference at
// path[*].key listing the keys in order.
func (c *comparer) byKey(w, g []any, wk, gk []string, key string, path []any) {
	gi := make(map[string]int, len(gk))
	for j, k := range gk {
		gi[k] = j
	}
	wi := make(map[string]bool, len(wk))
	var wOrder, gOrder []any
	for i, k := range wk {
		wi[k] = true
		j, ok := gi[k]
		p := at(path, i)
		switch {
		case ok:
			c.value(w[i], g[j], p)
			wOrder = append(wOrder, w[i].(map[string]any)[key])
		case !c.ignored(p):
			c.add(p, w[i], nil, true, false)
		}
	}
	for j, k := range gk {
		if wi[k] {
			gOrder = append(gOrder, g[j].(map[string]any)[key])
			continue
		}
		if p := at(path, j); !c.ignored(p) {
			c.add(p, nil, g[j], false, true)
		}
	}
	if render(wOrder) != render(gOrder) {
		c.diffs = append(c.diffs, Diff{Path: formatPath(path) + "[*]." + key, Want: render(wOrder), Got: render(gOrder)})
	}
}

// equal reports whether w and g compare equal at path under the ignore
// rules.
func (c *comparer) equal(w, g any, path []any) bool {
	sub := comparer{ignore: c.ignore, keys: c.keys}
	sub.value(w, g, path)
	return len(sub.diffs) == 0
}

// at is path with index i appended, on a fresh backing array.
func at(path []any, i int) []any { return append(path[:len(path):len(path)], i) }
