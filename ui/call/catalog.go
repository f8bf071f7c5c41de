package call

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"

	"github.com/kitbench/kitbench/probes/hub"
)

// method is one callable endpoint of a service, over every instance that
// offers it.
type method struct {
	key        string // service + "." + name: unique, shown, searched
	service    string
	name       string
	transports []string // sorted: "grpc", "http"
	// example is the request example of the transport a call will use:
	// gRPC's when the method is offered over gRPC (calls prefer it, as
	// kitbench call does), else the first one published.
	example json.RawMessage
}

// catalog is the fleet as far as calling goes: instances and what they
// offer, kept from the hub's messages.
type catalog struct {
	insts map[hub.Key]hub.Instance
}

func newCatalog() catalog { return catalog{insts: map[hub.Key]hub.Instance{}} }

// reset replaces everything with a snapshot.
func (c *catalog) reset(s hub.Snapshot) {
	clear(c.insts)
	for _, is := range s.Instances {
		c.insts[is.Key] = is.Instance
	}
}

// apply takes one hub message and reports whether the instances changed
// in a way the method list or the instance choice can see.
func (c *catalog) apply(m hub.Msg) bool {
	switch m := m.(type) {
	case hub.InstanceUpdate:
		old, ok := c.insts[m.Instance.Key]
		c.insts[m.Instance.Key] = m.Instance
		return !ok || old.Info != m.Instance.Info || old.Health != m.Instance.Health || old.State != m.Instance.State
	case hub.InstanceGone:
		_, ok := c.insts[m.Key]
		delete(c.insts, m.Key)
		return ok
	}
	return false
}

// methods lists every method, sorted by key.
func (c *catalog) methods() []method {
	byKey := map[string]*method{}
	for _, in := range c.insts {
		if in.Info == nil {
			continue
		}
		svc := in.Name()
		for _, e := range in.Info.Endpoints {
			k := svc + "." + e.Name
			m := byKey[k]
			if m == nil {
				m = &method{key: k, service: svc, name: e.Name}
				byKey[k] = m
			}
			if e.Transport != "" && !slices.Contains(m.transports, e.Transport) {
				m.transports = append(m.transports, e.Transport)
			}
			if len(e.RequestExample) > 0 && (len(m.example) == 0 || e.Transport == "grpc") {
				m.example = e.RequestExample
			}
		}
	}
	out := make([]method, 0, len(byKey))
	for _, m := range byKey {
		slices.Sort(m.transports)
		out = append(out, *m)
	}
	slices.SortFunc(out, func(a, b method) int { return strings.Compare(a.key, b.key) })
	return out
}

// offers reports whether in lists the endpoint name.
func offers(in hub.Instance, name string) bool {
	if in.Info == nil {
		return false
	}
	for _, e := range in.Info.Endpoints {
		if e.Name == name {
			return true
		}
	}
	return false
}

func healthy(in hub.Instance) bool {
	return in.State != hub.StateDown && (in.Health == "" || in.Health == "passing")
}

// instances returns the instances of service offering name, sorted by ID.
func (c *catalog) instances(service, name string) []hub.Instance {
	var out []hub.Instance
	for _, in := range c.insts {
		if in.Name() == service && offers(in, name) {
			out = append(out, in)
		}
	}
	slices.SortFunc(out, func(a, b hub.Instance) int { return cmp.Compare(a.InstanceID, b.InstanceID) })
	return out
}

// candidates orders the instances to try: the chosen one alone, or (chosen
// empty) the healthy ones starting at rr modulo their number, then the
// others.
func (c *catalog) candidates(service, name, chosen string, rr int) []hub.Instance {
	all := c.instances(service, name)
	if chosen != "" {
		for _, in := range all {
			if in.InstanceID == chosen {
				return []hub.Instance{in}
			}
		}
		return nil
	}
	var good, rest []hub.Instance
	for _, in := range all {
		if healthy(in) {
			good = append(good, in)
		} else {
			rest = append(rest, in)
		}
	}
	if n := len(good); n > 1 {
		k := ((rr % n) + n) % n
		good = append(good[k:], good[:k]...)
	}
	return append(good, rest...)
}

// fuzzy scores how well query matches text as a subsequence, case
// insensitively: consecutive runs and matches at word starts score more.
// ok is false when query is not a subsequence of text.
func fuzzy(query, text string) (score int, ok bool) {
	q := []rune(strings.ToLower(query))
	if len(q) == 0 {
		return 0, true
	}
	t := []rune(strings.ToLower(text))
	qi, prev := 0, -2
	for i, r := range t {
		if qi == len(q) {
			break
		}
		if r != q[qi] {
			continue
		}
		score++
		if prev == i-1 {
			score += 3
		}
		if i == 0 || strings.ContainsRune("._/- ", t[i-1]) {
			score += 5
		}
		prev = i
		qi++
	}
	return score, qi == len(q)
}
