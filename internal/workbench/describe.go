package workbench

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/kitbench/kitbench/probes/hub"
)

// DescribeScrape is the scrape interval DescribeService watches with:
// rates need two scrapes, so it waits about this long for the second.
const DescribeScrape = time.Second

// DescribeService observes the fleet (Observe, scraping every
// DescribeScrape, whatever o.Scrape says) and returns the source's status
// and the instances of service once WaitRates has their rates, waiting
// at most o.Timeout for each. A service the source does not hold is an
// ExitUnreachable error that lists the ones it does.
func DescribeService(ctx context.Context, o FleetOptions, service string) (hub.SourceStatus, []hub.InstanceState, error) {
	o.Scrape = DescribeScrape
	h, err := Observe(ctx, o)
	if err != nil {
		return hub.SourceStatus{}, nil, err
	}
	defer h.Close()
	snap := h.Snapshot()
	if len(ServiceInstances(snap, service)) == 0 {
		return snap.Source, nil, noSuchService(snap, service)
	}
	return snap.Source, WaitRates(ctx, h, service, o.Timeout), nil
}

// ServiceInstances returns the instances of s registered under service
// or named so.
func ServiceInstances(s hub.Snapshot, service string) []hub.InstanceState {
	var out []hub.InstanceState
	for _, in := range s.Instances {
		if in.Service == service || in.Name() == service {
			out = append(out, in)
		}
	}
	return out
}

// noSuchService is the error for a service s does not hold: it names the
// source and the services s does hold.
func noSuchService(s hub.Snapshot, service string) error {
	names := map[string]bool{}
	for _, in := range s.Instances {
		names[cell(in.Name())] = true
	}
	msg := "no services are registered"
	if len(names) > 0 {
		msg = "known services: " + strings.Join(slices.Sorted(maps.Keys(names)), ", ")
	}
	return Exitf(ExitUnreachable, "no service %q at %s; %s", cell(service), cell(s.Source.Source), msg)
}

// WaitRates waits, at most limit and about two and a half scrape
// intervals (DescribeScrape), until every observable instance of service
// — up, with an admin listener whose protocol is supported — has metrics
// over an interval (so rates are real) or a metrics error, and returns
// the service's instances as they are then.
func WaitRates(ctx context.Context, h *hub.Hub, service string, limit time.Duration) []hub.InstanceState {
	ctx, cancel := context.WithTimeout(ctx, min(limit, 2*DescribeScrape+DescribeScrape/2))
	defer cancel()
	sub := h.Subscribe(0)
	defer sub.Close()
	for {
		insts := ServiceInstances(h.Snapshot(), service)
		if !slices.ContainsFunc(insts, unmeasured) {
			return insts
		}
		if _, err := sub.Next(ctx); err != nil {
			return insts
		}
	}
}

// unmeasured reports whether in can be measured and has no rates yet.
func unmeasured(in hub.InstanceState) bool {
	return in.Admin != "" && in.State == hub.StateUp && in.Intro != hub.IntroProtocol &&
		(in.Metrics == nil || (in.Metrics.Err == "" && in.Metrics.Stats.Interval == 0))
}
