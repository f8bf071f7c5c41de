package promql

import (
	"cmp"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/transport"
	"github.com/kitbench/kitbench/probes/scrape"
)

// Target names one scraped instance by its labels.
type Target struct {
	Service  string // the Labels.Service label
	ID       string // the Labels.ID label
	Instance string // the Labels.Instance label (host:port)
}

// Figures are what the server says of one target.
type Figures struct {
	// Stats are the RED figures over the Fleet's window, as
	// scrape.Derive gives them: Interval is the window.
	Stats scrape.Stats
	// Up is Prometheus's up: its last scrape of the target succeeded.
	// Known says whether it has an up series at all.
	Up, Known bool
	// Allowed and Rejected are each limiter's totals since the instance
	// started, for a view that has no introspection to read them from.
	Allowed, Rejected map[string]float64
}

// Fleet is one Fetch's answer: every target's figures. It is read-only.
type Fleet struct {
	// Time is the evaluation time of the queries; Window their range.
	Time   time.Time
	Window time.Duration
	// Targets holds every target any query named.
	Targets map[Target]*Figures
	// Warnings are the server's warnings about the queries, as sent.
	Warnings []string

	byID   map[[2]string]*Figures // by service and id, both set
	byAddr map[string]*Figures    // by instance label
}

// Lookup returns the figures of the instance registered as service and id
// whose admin listener is at admin (a base URL, or empty): the target
// whose service and id labels are those, else the one whose instance
// label is admin's host:port. ok is false when neither is known.
func (f *Fleet) Lookup(service, id, admin string) (fig *Figures, ok bool) {
	if fig, ok = f.byID[[2]string{service, id}]; ok {
		return fig, true
	}
	if u, err := url.Parse(admin); err == nil && u.Host != "" {
		fig, ok = f.byAddr[u.Host]
	}
	return fig, ok
}

// epKey addresses one endpoint of one target; whole is the target's
// instance-wide series (no endpoint label).
type epKey struct {
	Target
	endpoint, transport string
	whole               bool
}

// assemble turns the figures' vectors into a Fleet.
func assemble(l Labels, at time.Time, window time.Duration, v [nFigures]model.Vector) *Fleet {
	f := &Fleet{Time: at, Window: window, Targets: map[Target]*Figures{}, byID: map[[2]string]*Figures{}, byAddr: map[string]*Figures{}}
	target := func(m model.Metric) Target {
		return Target{Service: string(m[model.LabelName(l.Service)]), ID: string(m[model.LabelName(l.ID)]),
			Instance: string(m[model.LabelName(l.Instance)])}
	}
	key := func(m model.Metric) epKey {
		_, hasEP := m["endpoint"]
		_, hasTr := m["transport"]
		return epKey{Target: target(m), endpoint: string(m["endpoint"]), transport: string(m["transport"]), whole: !hasEP && !hasTr}
	}
	figs := func(t Target) *Figures {
		fg := f.Targets[t]
		if fg == nil {
			fg = &Figures{Stats: scrape.Stats{Kit: true, Interval: window, Breakers: map[string]string{},
				Limiters: map[string]scrape.LimiterStats{}}, Allowed: map[string]float64{}, Rejected: map[string]float64{}}
			f.Targets[t] = fg
		}
		return fg
	}
	eps := map[epKey]*scrape.EndpointStats{}
	ep := func(k epKey) *scrape.EndpointStats {
		figs(k.Target)
		e := eps[k]
		if e == nil {
			e = &scrape.EndpointStats{Endpoint: k.endpoint, Transport: k.transport}
			eps[k] = e
		}
		return e
	}
	secs := window.Seconds()

	for _, s := range v[figRequests] {
		k := key(s.Metric)
		if k.whole {
			continue // not kit's shape
		}
		e, n, code := ep(k), number(s.Value), string(s.Metric["code"])
		e.Requests += n
		if scrape.IsErrorCode(code) {
			e.Errors += n
		}
		switch scrape.ClassOfCode(code) {
		case transport.Failure:
			e.Failures += n
		case transport.ClientError:
			e.ClientErrors += n
		}
	}
	for fig, set := range map[figure]func(*scrape.EndpointStats, time.Duration){
		figP50:  func(e *scrape.EndpointStats, d time.Duration) { e.P50 = d },
		figP90:  func(e *scrape.EndpointStats, d time.Duration) { e.P90 = d },
		figP99:  func(e *scrape.EndpointStats, d time.Duration) { e.P99 = d },
		figMean: func(e *scrape.EndpointStats, d time.Duration) { e.Mean = d },
	} {
		for _, s := range v[fig] {
			set(ep(key(s.Metric)), seconds(s.Value))
		}
	}
	floors := map[Target]time.Duration{}
	for _, s := range v[figBounds] {
		le, err := strconv.ParseFloat(string(s.Metric["le"]), 64)
		t := target(s.Metric)
		if err != nil || math.IsInf(le, 0) || le <= 0 {
			continue
		}
		if d := time.Duration(le * float64(time.Second)); floors[t] == 0 || d < floors[t] {
			floors[t] = d
		}
	}
	for _, s := range v[figBreakers] {
		figs(target(s.Metric)).Stats.Breakers[string(s.Metric["breaker"])] = breakerState(float64(s.Value))
	}
	for _, s := range v[figLimiters] {
		fg, name, n := figs(target(s.Metric)), string(s.Metric["limiter"]), number(s.Value)
		ls := fg.Stats.Limiters[name]
		switch s.Metric["decision"] {
		case "allowed":
			ls.Allowed = n
		case "rejected":
			ls.Rejected = n
		case "allowed_total":
			fg.Allowed[name] = n
		case "rejected_total":
			fg.Rejected[name] = n
		}
		if secs > 0 {
			ls.AllowedRate, ls.RejectedRate = ls.Allowed/secs, ls.Rejected/secs
		}
		fg.Stats.Limiters[name] = ls
	}
	for _, s := range v[figUp] {
		fg := figs(target(s.Metric))
		fg.Known, fg.Up = true, s.Value == 1
	}

	// Endpoints into their targets, sorted as Derive sorts them; the
	// instance-wide counts are the endpoints' sums.
	keys := make([]epKey, 0, len(eps))
	for k := range eps {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b epKey) int {
		return cmp.Or(strings.Compare(a.endpoint, b.endpoint), strings.Compare(a.transport, b.transport))
	})
	for _, k := range keys {
		fg, e := f.Targets[k.Target], eps[k]
		e.Floor = floors[k.Target]
		if k.whole {
			in := &fg.Stats.Instance
			in.P50, in.P90, in.P99, in.Mean, in.Floor = e.P50, e.P90, e.P99, e.Mean, e.Floor
			continue
		}
		finish(e, secs)
		in := &fg.Stats.Instance
		in.Requests += e.Requests
		in.Errors += e.Errors
		in.Failures += e.Failures
		in.ClientErrors += e.ClientErrors
		fg.Stats.Endpoints = append(fg.Stats.Endpoints, *e)
	}
	for t, fg := range f.Targets {
		fg.Stats.Instance.Floor = cmp.Or(fg.Stats.Instance.Floor, floors[t])
		finish(&fg.Stats.Instance, secs)
		if t.Service != "" && t.ID != "" {
			f.byID[[2]string{t.Service, t.ID}] = fg
		}
		if t.Instance != "" {
			f.byAddr[t.Instance] = fg
		}
	}
	return f
}

// finish computes e's rate and ratios from its counts.
func finish(e *scrape.EndpointStats, secs float64) {
	if secs > 0 {
		e.Rate = e.Requests / secs
	}
	if e.Requests > 0 {
		e.ErrorRatio, e.FailureRatio, e.ClientErrorShare = e.Errors/e.Requests, e.Failures/e.Requests, e.ClientErrors/e.Requests
	}
}

// number is a sample's value, with NaN and infinities (no data) as zero.
func number(v model.SampleValue) float64 {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return 0
	}
	return f
}

// seconds is a sample's value in seconds as a duration.
func seconds(v model.SampleValue) time.Duration {
	return time.Duration(number(v) * float64(time.Second))
}

// breakerState is kit_breaker_state's value as introspect names it.
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
