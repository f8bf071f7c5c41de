package workbench

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/kitbench/kitbench/probes/hub"
)

// EndpointStats is one endpoint of a service, over all its instances.
type EndpointStats struct {
	Name, Transport string
	// Route is "GET /v1/books/{id}" or "/pkg.Service/Method" as the
	// instances document it; empty when none does.
	Route string
	// Measured is true when some instance's metrics cover an interval
	// with this endpoint; the figures below are zero otherwise.
	Measured bool
	// Rate (requests a second), Requests, Errors, Failures and
	// ClientErrors add up across instances. Errors are all calls that did
	// not succeed; Failures the service's own (5xx) and ClientErrors those
	// it refused as the caller's (4xx), as probes/scrape classifies them.
	Rate, Requests, Errors, Failures, ClientErrors float64
	// P50 and P99 are the highest of any instance's: a quantile of a
	// fleet cannot be made from the instances' quantiles, and the worst
	// one is what a caller may meet.
	P50, P99 time.Duration
	// Mean is the average latency over all instances' calls, exact.
	Mean time.Duration
	// Floor is the largest of the instances' lowest histogram bounds: a
	// quantile at or under it is only known to be under it (see Quantile).
	Floor time.Duration
}

// ErrorRatio is Failures over Requests, zero when there were none: the
// share of calls that failed through the service's fault, as breakers and
// ejection count them. Client errors are in ClientErrorShare.
func (s EndpointStats) ErrorRatio() float64 {
	if s.Requests == 0 {
		return 0
	}
	return s.Failures / s.Requests
}

// ClientErrorShare is ClientErrors over Requests, zero when there were
// none.
func (s EndpointStats) ClientErrorShare() float64 {
	if s.Requests == 0 {
		return 0
	}
	return s.ClientErrors / s.Requests
}

// Quantile formats q, one of s's quantiles, as the histograms resolve it:
// "<500µs" when it is under Floor (the histograms cannot tell 15µs from
// 450µs there; Mean can), else the duration rounded to the microsecond;
// "-" for zero.
func (s EndpointStats) Quantile(q time.Duration) string {
	switch {
	case q <= 0:
		return "-"
	case s.Floor > 0 && q <= s.Floor:
		return "<" + s.Floor.String()
	}
	return q.Round(time.Microsecond).String()
}

// Endpoints merges the endpoints insts document with what their metrics
// measured, sorted by name then transport. An instance whose metrics do
// not yet cover an interval adds its documented endpoints only.
func Endpoints(insts []hub.InstanceState) []EndpointStats {
	byKey := map[[2]string]*EndpointStats{}
	get := func(name, transport string) *EndpointStats {
		k := [2]string{name, transport}
		if byKey[k] == nil {
			byKey[k] = &EndpointStats{Name: name, Transport: transport}
		}
		return byKey[k]
	}
	for _, in := range insts {
		if in.Info != nil {
			for _, d := range in.Info.Endpoints {
				s := get(d.Name, d.Transport)
				switch {
				case d.HTTPPath != "":
					s.Route = strings.TrimSpace(d.HTTPMethod + " " + d.HTTPPath)
				case d.GRPCMethod != "":
					s.Route = d.GRPCMethod
				default:
					s.Route = ""
				}
			}
		}
		if in.Metrics == nil || in.Metrics.Stats.Interval == 0 {
			continue
		}
		for _, e := range in.Metrics.Stats.Endpoints {
			s := get(e.Endpoint, e.Transport)
			s.Measured = true
			s.Rate += e.Rate
			if total := s.Requests + e.Requests; total > 0 {
				s.Mean = time.Duration((float64(s.Mean)*s.Requests + float64(e.Mean)*e.Requests) / total)
			}
			s.Requests += e.Requests
			s.Errors += e.Errors
			s.Failures += e.Failures
			s.ClientErrors += e.ClientErrors
			s.P50, s.P99 = max(s.P50, e.P50), max(s.P99, e.P99)
			s.Floor = max(s.Floor, e.Floor)
		}
	}
	out := make([]EndpointStats, 0, len(byKey))
	for _, s := range byKey {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b EndpointStats) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Transport, b.Transport))
	})
	return out
}
