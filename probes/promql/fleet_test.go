package promql

import (
	"math"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/kitbench/kitbench/kit/introspect"
)

func sample(v float64, labels ...string) *model.Sample {
	m := model.Metric{}
	for i := 0; i+1 < len(labels); i += 2 {
		m[model.LabelName(labels[i])] = model.LabelValue(labels[i+1])
	}
	return &model.Sample{Metric: m, Value: model.SampleValue(v)}
}

// inst labels a sample with book-1's instance labels, then more.
func inst(more ...string) []string {
	return append([]string{"service", "book", "service_id", "book-1", "instance", "127.0.0.1:9464"}, more...)
}

// TestAssembleClassifiesAndSums feeds assemble the answers Prometheus
// gives for one instance and checks every figure: counts by class as
// scrape.ClassOfCode splits them (499 in neither), rates over the window,
// the instance's sums, quantiles and means at both levels, the floor,
// breakers, limiters, and NaN (no calls) as zero.
func TestAssembleClassifiesAndSums(t *testing.T) {
	var v [nFigures]model.Vector
	get := inst("endpoint", "GetBook", "transport", "http")
	list := inst("endpoint", "ListBooks", "transport", "grpc")
	v[figRequests] = model.Vector{
		sample(80, append(get, "code", "ok")...),
		sample(10, append(get, "code", "503")...),
		sample(6, append(get, "code", "404")...),
		sample(4, append(get, "code", "499")...),
		sample(30, append(list, "code", "ok")...),
	}
	v[figP50] = model.Vector{sample(0.002, get...), sample(math.NaN(), list...), sample(0.003, inst()...)}
	v[figP99] = model.Vector{sample(0.2, get...), sample(0.25, inst()...)}
	v[figMean] = model.Vector{sample(0.01, get...), sample(0.008, inst()...)}
	v[figBounds] = model.Vector{sample(2, inst("le", "+Inf")...), sample(2, inst("le", "0.0005")...), sample(2, inst("le", "0.001")...)}
	v[figBreakers] = model.Vector{sample(2, inst("breaker", "GetBook")...), sample(0, inst("breaker", "ListBooks")...)}
	v[figLimiters] = model.Vector{
		sample(50, inst("limiter", "gw", "decision", "allowed")...),
		sample(10, inst("limiter", "gw", "decision", "rejected")...),
		sample(900, inst("limiter", "gw", "decision", "allowed_total")...),
		sample(70, inst("limiter", "gw", "decision", "rejected_total")...),
	}
	v[figUp] = model.Vector{sample(1, inst()...), sample(0, "instance", "10.0.0.9:9464")}

	at := time.Unix(1000, 0)
	f := assemble(Labels{}.withDefaults(), at, 10*time.Second, v)
	fg, ok := f.Lookup("book", "book-1", "")
	if !ok {
		t.Fatalf("book/book-1 not found in %v", f.Targets)
	}
	if byAddr, ok := f.Lookup("other", "x", "http://127.0.0.1:9464"); !ok || byAddr != fg {
		t.Fatal("lookup by the admin listener's host:port must find the same target")
	}
	if _, ok := f.Lookup("book", "book-2", "http://127.0.0.1:1"); ok {
		t.Fatal("an unknown instance must not be found")
	}
	if !fg.Known || !fg.Up {
		t.Errorf("up = %v known = %v, want up", fg.Up, fg.Known)
	}
	if down, ok := f.Lookup("", "", "http://10.0.0.9:9464"); !ok || down.Up || !down.Known {
		t.Errorf("a target with up 0 must be known and not up: %+v", down)
	}
	st := fg.Stats
	if !st.Kit || st.Interval != 10*time.Second || len(st.Endpoints) != 2 {
		t.Fatalf("stats = %+v", st)
	}
	g := st.Endpoints[0]
	if g.Endpoint != "GetBook" || g.Transport != "http" {
		t.Fatalf("endpoints not sorted: %+v", st.Endpoints)
	}
	if g.Requests != 100 || g.Errors != 20 || g.Failures != 10 || g.ClientErrors != 6 || g.Rate != 10 {
		t.Errorf("GetBook counts = %+v", g)
	}
	if g.FailureRatio != 0.1 || g.ClientErrorShare != 0.06 || g.ErrorRatio != 0.2 {
		t.Errorf("GetBook ratios = %v %v %v", g.FailureRatio, g.ClientErrorShare, g.ErrorRatio)
	}
	if g.P50 != 2*time.Millisecond || g.P99 != 200*time.Millisecond || g.Mean != 10*time.Millisecond || g.Floor != 500*time.Microsecond {
		t.Errorf("GetBook latency = %v %v %v floor %v", g.P50, g.P99, g.Mean, g.Floor)
	}
	if l := st.Endpoints[1]; l.P50 != 0 || l.Requests != 30 || l.FailureRatio != 0 {
		t.Errorf("ListBooks (NaN quantile) = %+v", l)
	}
	in := st.Instance
	if in.Requests != 130 || in.Failures != 10 || in.Rate != 13 || in.P50 != 3*time.Millisecond || in.P99 != 250*time.Millisecond ||
		in.Mean != 8*time.Millisecond || in.Floor != 500*time.Microsecond {
		t.Errorf("instance = %+v", in)
	}
	if st.Breakers["GetBook"] != introspect.StateOpen || st.Breakers["ListBooks"] != introspect.StateClosed {
		t.Errorf("breakers = %v", st.Breakers)
	}
	if l := st.Limiters["gw"]; l.Allowed != 50 || l.Rejected != 10 || l.RejectedRate != 1 || fg.Allowed["gw"] != 900 || fg.Rejected["gw"] != 70 {
		t.Errorf("limiter = %+v, totals %v %v", l, fg.Allowed, fg.Rejected)
	}
}

func TestNewRefusesBadURLs(t *testing.T) {
	for _, u := range []string{"", "ftp://x:1", "http://", "::"} {
		if _, err := New(Options{URL: u}); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
	s, err := New(Options{URL: "127.0.0.1:9090/"})
	if err != nil || s.URL() != "http://127.0.0.1:9090" || s.Window() != DefaultWindow {
		t.Fatalf("New(host:port) = %v, %v", s, err)
	}
	s.Close()
}
