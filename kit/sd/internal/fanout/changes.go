package fanout

import (
	"cmp"
	"maps"
	"slices"

	"github.com/kitbench/kitbench/kit/sd"
)

// key identifies an instance within one Instancer.
type key struct{ service, id string }

func keyOf(in sd.Instance) key { return key{in.Service, in.ID} }

// Equal reports whether a and b are the same instance with the same
// values.
func Equal(a, b sd.Instance) bool {
	return a.ID == b.ID && a.Service == b.Service && a.Address == b.Address && a.Health == b.Health &&
		slices.Equal(a.Tags, b.Tags) && maps.Equal(a.Meta, b.Meta)
}

func sortInstances(s []sd.Instance) {
	slices.SortFunc(s, func(a, b sd.Instance) int {
		return cmp.Or(cmp.Compare(a.Service, b.Service), cmp.Compare(a.ID, b.ID))
	})
}

// changes is a net delta from some base set: the base values of the
// instances that left or changed, and the values of those that joined or
// changed. Folding more deltas into it keeps it relative to the same base.
// The zero value holds no change.
type changes struct {
	removed map[key]sd.Instance
	added   map[key]sd.Instance
}

// remove takes old, the instance's current value, out of the set.
func (c *changes) remove(old sd.Instance) {
	k := keyOf(old)
	if _, ok := c.added[k]; ok {
		// It joined or changed since the base: the base value, if any, is
		// already in removed.
		delete(c.added, k)
		return
	}
	if c.removed == nil {
		c.removed = make(map[key]sd.Instance)
	}
	if _, ok := c.removed[k]; !ok {
		c.removed[k] = old
	}
}

// put adds in to the set; a previous value must have been removed first.
func (c *changes) put(in sd.Instance) {
	if c.added == nil {
		c.added = make(map[key]sd.Instance)
	}
	c.added[keyOf(in)] = in
}

// apply folds the delta (removed, added) in.
func (c *changes) apply(removed, added []sd.Instance) {
	for _, in := range removed {
		c.remove(in)
	}
	for _, in := range added {
		c.put(in)
	}
}

// current returns the value of k after the changes, given base, or false
// if k is not in the set.
func (c *changes) current(base map[key]sd.Instance, k key) (sd.Instance, bool) {
	if in, ok := c.added[k]; ok {
		return in, true
	}
	if _, ok := c.removed[k]; ok {
		return sd.Instance{}, false
	}
	in, ok := base[k]
	return in, ok
}

// lists returns the delta as an Event's Removed and Instances, each
// sorted by service and ID; an instance changed and changed back is in
// neither.
func (c *changes) lists() (removed, added []sd.Instance) {
	for k, old := range c.removed {
		if in, ok := c.added[k]; !ok || !Equal(old, in) {
			removed = append(removed, old)
		}
	}
	for k, in := range c.added {
		if old, ok := c.removed[k]; !ok || !Equal(old, in) {
			added = append(added, in)
		}
	}
	sortInstances(removed)
	sortInstances(added)
	return removed, added
}
