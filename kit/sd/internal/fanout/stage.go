package fanout

import "github.com/kitbench/kitbench/kit/sd"

// Put stages inst as the new value of its service and ID, unless the set
// (with the changes staged so far) already holds an equal value. Observers
// and Register see staged changes only once Commit publishes them.
func (f *Fanout) Put(inst sd.Instance) {
	f.mu.Lock()
	defer f.mu.Unlock()
	old, ok := f.staged.current(f.index(), keyOf(inst))
	if ok && Equal(old, inst) {
		return
	}
	if ok {
		f.staged.remove(old)
	}
	f.staged.put(inst)
}

// Delete stages the removal of the instance id of service, if the set
// (with the changes staged so far) holds it.
func (f *Fanout) Delete(service, id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if old, ok := f.staged.current(f.index(), key{service, id}); ok {
		f.staged.remove(old)
	}
}

// Commit publishes the changes staged since the last Commit or whole
// Publish as one delta, with the Err and Stale last published, and reports
// whether there was any change to publish.
func (f *Fanout) Commit() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	removed, added := f.staged.lists()
	f.staged = changes{}
	if len(removed)+len(added) == 0 {
		return false
	}
	f.have = true
	f.publishDelta(removed, added)
	return true
}

// Holds reports whether insts, which has no two instances with the same
// service and ID, is exactly the current set, in any order. Staged changes
// do not count.
func (f *Fanout) Holds(insts []sd.Instance) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	set := f.index()
	if len(insts) != len(set) {
		return false
	}
	for _, in := range insts {
		if cur, ok := set[keyOf(in)]; !ok || !Equal(cur, in) {
			return false
		}
	}
	return true
}
