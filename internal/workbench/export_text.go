package workbench

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/recorder"
)

// Summary says in a line what the export took from where: "7 exchanges
// (5 of 5 failures, 2 successful calls before them) from bookstore-3".
func (e *Exported) Summary() string {
	var from []string
	for _, f := range e.From {
		if f.Count > 0 {
			from = append(from, f.Instance)
		}
	}
	s := plural(e.Total, "exchange")
	if e.Wanted > 0 {
		s += fmt.Sprintf(" (%d of %d failures, %s before them)", e.Failures, e.Wanted, plural(e.Successes, "successful call"))
	}
	if len(from) > 0 {
		s += " from " + strings.Join(from, ", ")
	}
	return s
}

// Problems says which instances could not be read, or lost exchanges
// while they were; empty when none.
func (e *Exported) Problems() string {
	var out []string
	for _, f := range e.From {
		switch {
		case f.Err != nil:
			out = append(out, f.Instance+": "+f.Err.Error())
		case f.Dropped > 0:
			out = append(out, fmt.Sprintf("%s: %d exchanges left its ring while it was read", f.Instance, f.Dropped))
		}
	}
	return strings.Join(out, "; ")
}

// replayLines are the commands that replay the session at path, which
// holds exs: make a healthy peer's answers the expected ones (when the
// file is one service's and the fleet has a peer up), replay it where it
// happened, and keep it as a go test.
func replayLines(path string, exs []recorder.Exchange, fleet []hub.Instance) []string {
	tr := exs[0].Transport
	where := addrOf(fleet, exs[0].Service, exs[0].Instance, tr)
	if where == "" {
		where = "HOST:PORT"
	}
	var lines []string
	if peer := healthyPeer(fleet, exs, tr); peer != "" {
		lines = append(lines, "kitbench replay "+path+" --target "+tr+"://"+peer+" --update")
	}
	lines = append(lines, "kitbench replay "+path+" --target "+tr+"://"+where)
	target := `recorder.GRPCTarget(cc)`
	switch tr {
	case recorder.TransportHTTP:
		target = `recorder.HTTPTarget("http://"+addr, nil)`
	case recorder.TransportThrift:
		target = `recorder.ThriftTarget(addr)`
	}
	return append(lines,
		"in a test: rectest.Replay(t, \"testdata/"+filepath.Base(path)+"\", "+target+")",
		"cp "+path+" testdata/ && go test -run TestIncident -kitrec.update ./...")
}

// addrOf is the address of instance id (of service) for transport tr, ""
// when the fleet does not say.
func addrOf(fleet []hub.Instance, service, id, tr string) string {
	in, ok := fleetInstance(fleet, hub.Key{Service: service, InstanceID: id})
	if !ok {
		return ""
	}
	switch tr {
	case recorder.TransportGRPC:
		return in.Meta[sd.MetaGRPC]
	case recorder.TransportThrift:
		return in.Meta[sd.MetaThrift]
	}
	return in.Meta[sd.MetaHTTP]
}

// healthyPeer is the address for tr of an instance of the file's one
// service that is up and none of the file's exchanges came from; "" when
// the file holds several services or no peer is up.
func healthyPeer(fleet []hub.Instance, exs []recorder.Exchange, tr string) string {
	svc, ids := exs[0].Service, map[string]bool{}
	for _, ex := range exs {
		if ex.Service != svc {
			return ""
		}
		ids[ex.Instance] = true
	}
	for _, in := range fleet {
		if ids[in.InstanceID] || in.State != hub.StateUp || in.Stale || in.Name() != svc {
			continue
		}
		if a := addrOf([]hub.Instance{in}, in.Service, in.InstanceID, tr); a != "" {
			return a
		}
	}
	return ""
}
