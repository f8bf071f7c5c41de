package scrape

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/transport"
)

// Stats is what two successive snapshots of one kit instance say about
// it. The window is the interval between the snapshots; without an
// earlier snapshot it is the life of the process so far, and rates are
// zero.
type Stats struct {
	// Kit reports whether the page carries any of kit's metrics. When it
	// is false every other field is empty: the target is some other
	// Prometheus client, read it through Snapshot.Families.
	Kit bool
	// Interval is the time between the snapshots; zero when there was no
	// usable earlier snapshot (nil, another URL, or not earlier).
	Interval time.Duration
	// Endpoints holds one entry per endpoint and transport, sorted by
	// endpoint then transport.
	Endpoints []EndpointStats
	// Instance sums all endpoints. Its quantiles come from the buckets
	// of all endpoints added up by bound (as Prometheus's sum by (le)).
	Instance EndpointStats
	// Breakers maps each circuit breaker to its state at the later
	// snapshot: introspect.StateClosed, StateHalfOpen or StateOpen, or
	// "unknown" for a value kit does not define.
	Breakers map[string]string
	// Limiters maps each rate limiter to its counts in the window.
	Limiters map[string]LimiterStats
}

// EndpointStats are the RED figures of one endpoint in the window.
type EndpointStats struct {
	Endpoint  string // the endpoint label; empty in Stats.Instance
	Transport string // the transport label; empty in Stats.Instance
	// Requests and Errors are the calls, and calls that did not succeed
	// (IsErrorCode: client errors and cancellations included), that
	// finished in the window.
	Requests, Errors float64
	// Failures and ClientErrors split Errors by ClassOfCode: the calls
	// that failed through the service's fault (5xx), and the calls it
	// refused as the client's (4xx, 429 included). Calls the caller gave
	// up on (499: its cancellation or its own deadline, as kit/metrics
	// labels them) are in neither.
	Failures, ClientErrors float64
	// Rate is Requests per second; zero without an interval.
	Rate float64
	// ErrorRatio is Errors/Requests, from 0 to 1; zero without requests.
	ErrorRatio float64
	// FailureRatio is Failures/Requests and ClientErrorShare
	// ClientErrors/Requests, from 0 to 1; zero without requests. A view
	// of a service's health shows FailureRatio: client errors are not the
	// service's fault, and breakers and ejection ignore them too.
	FailureRatio, ClientErrorShare float64
	// P50, P90 and P99 are latency quantiles of the calls in the window,
	// interpolated linearly inside histogram buckets as Prometheus's
	// histogram_quantile does; a quantile in the +Inf bucket is the
	// largest finite bound. Zero when no call was observed. A quantile at
	// or below Floor is not resolved: see Resolved.
	P50, P90, P99 time.Duration
	// Mean is the calls' average latency in the window (the histogram's
	// sum over its count), exact whatever the buckets. Zero when no call
	// was observed.
	Mean time.Duration
	// Floor is the histogram's lowest bucket bound (kit's default: 500µs).
	// Calls faster than that all land in one bucket, so a quantile there
	// only says "under Floor": interpolating inside it gives a number
	// (250µs for the median) that no call need have taken. Zero when
	// there is no histogram.
	Floor time.Duration
}

// Resolved reports what the histogram can say of q, one of e's
// quantiles: q itself and false, or Floor and true when q falls in the
// lowest bucket and the histogram only knows that it is under Floor.
// Views show the second as "<500µs", with Mean beside it.
func (e EndpointStats) Resolved(q time.Duration) (d time.Duration, under bool) {
	if q > 0 && e.Floor > 0 && q <= e.Floor {
		return e.Floor, true
	}
	return q, false
}

// LimiterStats are the decisions of one rate limiter in the window.
type LimiterStats struct {
	// Allowed and Rejected count the calls let through and refused.
	Allowed, Rejected float64
	// AllowedRate and RejectedRate are per second; zero without an
	// interval.
	AllowedRate, RejectedRate float64
}

// IsErrorCode reports whether a code label of kit_requests_total names a
// failed call. "ok" (any case), an HTTP status below 400 and the classes
// "1xx" to "3xx" are successes; every other value, including "4xx",
// "5xx" and names kit does not use, is a failure. Client errors count:
// the error ratio is the share of calls that did not succeed, whoever is
// to blame; ClassOfCode tells who is.
func IsErrorCode(code string) bool {
	if strings.EqualFold(code, "ok") {
		return false
	}
	if n, err := strconv.Atoi(code); err == nil {
		return n >= 400
	}
	switch strings.ToLower(code) {
	case "1xx", "2xx", "3xx":
		return false
	}
	return true
}

// ClassOfCode classifies a code label of kit_requests_total as
// transport.ClassOfStatus does an HTTP status: "ok" (any case), a status
// below 400 and the classes "1xx" to "3xx" are transport.Success, "499"
// transport.Canceled, another 4xx status or "4xx" transport.ClientError,
// and anything else ("5xx", a 5xx status, a name kit does not use)
// transport.Failure. It agrees with transport.Classify for what
// kit/metrics records: a caller's cancellation and a caller's own deadline
// are labelled 499 (Canceled: not a failure), a service's timeout 504 (a
// Failure). An exposition from a kit older than that labelled a caller's
// deadline 504, and it counts as a Failure here.
func ClassOfCode(code string) transport.Class {
	if strings.EqualFold(code, "ok") {
		return transport.Success
	}
	if n, err := strconv.Atoi(code); err == nil {
		return transport.ClassOfStatus(n)
	}
	switch strings.ToLower(code) {
	case "1xx", "2xx", "3xx":
		return transport.Success
	case "4xx":
		return transport.ClientError
	}
	return transport.Failure
}

// Derive computes the Stats of cur, with prev as the start of the
// window. prev may be nil. Counter resets (a value lower than before,
// after a restart) are handled as Prometheus's rate() does: the later
// value is taken as the whole increase. A series absent from prev counts
// from zero, since kit creates series on their first use. Derive reads
// its arguments only.
func Derive(prev, cur *Snapshot) Stats {
	if cur == nil || cur.kit == nil {
		return Stats{}
	}
	c := cur.kit
	var p *kitTotals
	var secs float64
	st := Stats{Kit: true, Breakers: make(map[string]string, len(c.breakers))}
	if prev != nil && prev.URL == cur.URL && cur.Time.After(prev.Time) {
		st.Interval = cur.Time.Sub(prev.Time)
		secs = st.Interval.Seconds()
		if p = prev.kit; p == nil {
			p = &kitTotals{}
		}
	}
	perSec := func(n float64) float64 {
		if secs == 0 {
			return 0
		}
		return n / secs
	}
	inc := func(before map[string]float64, name string, now float64) float64 {
		if p == nil {
			return now
		}
		return increase(before[name], now)
	}

	keys := make([]key, 0, len(c.requests)+len(c.durations))
	for k := range c.requests {
		keys = append(keys, k)
	}
	for k := range c.durations {
		if _, ok := c.requests[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(strings.Compare(a.endpoint, b.endpoint), strings.Compare(a.transport, b.transport))
	})

	st.Endpoints = make([]EndpointStats, 0, len(keys))
	hists := make([]histogram, 0, len(keys))
	for _, k := range keys {
		e := EndpointStats{Endpoint: k.endpoint, Transport: k.transport}
		var before []codeTotal
		if p != nil {
			before = p.requests[k]
		}
		for _, ct := range c.requests[k] {
			n := ct.total
			if p != nil {
				n = increase(totalOf(before, ct.code), n)
			}
			e.Requests += n
			if IsErrorCode(ct.code) {
				e.Errors += n
			}
			switch ClassOfCode(ct.code) {
			case transport.Failure:
				e.Failures += n
			case transport.ClientError:
				e.ClientErrors += n
			}
		}
		e.Rate, e.ErrorRatio = perSec(e.Requests), ratio(e.Errors, e.Requests)
		e.FailureRatio, e.ClientErrorShare = ratio(e.Failures, e.Requests), ratio(e.ClientErrors, e.Requests)
		if h, ok := c.durations[k]; ok {
			if p != nil {
				h = delta(p.durations[k], h)
			} else {
				h = monotonic(h)
			}
			e.latency(h)
			hists = append(hists, h)
		}
		st.Instance.Requests += e.Requests
		st.Instance.Errors += e.Errors
		st.Instance.Failures += e.Failures
		st.Instance.ClientErrors += e.ClientErrors
		st.Endpoints = append(st.Endpoints, e)
	}
	st.Instance.Rate = perSec(st.Instance.Requests)
	st.Instance.ErrorRatio = ratio(st.Instance.Errors, st.Instance.Requests)
	st.Instance.FailureRatio = ratio(st.Instance.Failures, st.Instance.Requests)
	st.Instance.ClientErrorShare = ratio(st.Instance.ClientErrors, st.Instance.Requests)
	st.Instance.latency(merge(hists))

	for name, v := range c.breakers {
		st.Breakers[name] = breakerState(v)
	}
	var pa, pr map[string]float64
	if p != nil {
		pa, pr = p.allowed, p.rejected
	}
	st.Limiters = make(map[string]LimiterStats, len(c.allowed))
	for _, names := range []map[string]float64{c.allowed, c.rejected} {
		for name := range names {
			l := LimiterStats{Allowed: inc(pa, name, c.allowed[name]), Rejected: inc(pr, name, c.rejected[name])}
			l.AllowedRate, l.RejectedRate = perSec(l.Allowed), perSec(l.Rejected)
			st.Limiters[name] = l
		}
	}
	return st
}

// increase is a counter's growth from before to now; a drop is a reset
// to zero, so all of now is new.
func increase(before, now float64) float64 {
	if now < before {
		return now
	}
	return now - before
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

func breakerState(v float64) string {
	switch v {
	case 0:
		return introspect.StateClosed
	case 1:
		return introspect.StateHalfOpen
	case 2:
		return introspect.StateOpen
	}
	return "unknown"
}
