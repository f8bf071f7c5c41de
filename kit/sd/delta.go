package sd

// patch applies a delta to prev, the entries mirroring the Instancer's set,
// and returns the new entry slice. Entries named in ev.Removed leave unless
// ev.Instances puts the same ID and address back, in which case they keep
// their place and endpoint and take the new value; instances new to the
// set get entries appended at the end, after earlier Factory failures
// that now succeed (every event retries them, as a whole set would). A removal of an instance the Endpointer does not have (one
// its Factory failed for, say) is ignored. When no entry joins or leaves,
// prev itself is returned: a change of tags, metadata or health costs no
// new slice.
func (e *Endpointer) patch(prev []*Entry, ev Event, st *State) []*Entry {
	var gone []*Entry
	for i := range ev.Removed {
		r := &ev.Removed[i]
		k := ikey{r.ID, r.Address}
		delete(e.failed, k)
		if en, ok := e.index[k]; ok && !en.leaving {
			en.leaving = true
			gone = append(gone, en)
		}
	}
	var added []*Entry
	for _, inst := range e.failed {
		if en := e.make(inst, st); en != nil {
			added = append(added, en)
		}
	}
	for i := range ev.Instances {
		inst := &ev.Instances[i]
		if en, ok := e.index[ikey{inst.ID, inst.Address}]; ok {
			en.leaving = false
			en.inst.Store(inst)
			continue
		}
		if en := e.make(inst, st); en != nil {
			added = append(added, en)
		}
	}
	left := 0
	for _, en := range gone {
		if en.leaving {
			left++
		}
	}
	if left == 0 && len(added) == 0 {
		return prev
	}
	next := make([]*Entry, 0, len(prev)-left+len(added))
	if left == 0 {
		next = append(next, prev...)
	} else {
		for _, en := range prev {
			if !en.leaving {
				next = append(next, en)
			}
		}
	}
	next = append(next, added...)
	for _, en := range gone {
		if en.leaving {
			en.leaving = false
			old := en.inst.Load()
			delete(e.index, ikey{old.ID, old.Address})
			_ = closeEntry(en)
		}
	}
	from := len(prev) // without removals only the appended entries need a position
	if left > 0 {
		from = 0
	}
	for i := from; i < len(next); i++ {
		next[i].pos = i
	}
	return next
}
