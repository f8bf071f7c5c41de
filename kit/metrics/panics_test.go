package metrics_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kitbench/kitbench/kit/metrics"
	"github.com/kitbench/kitbench/kit/transport"
)

func TestNewPanicCounter(t *testing.T) {
	if _, err := metrics.NewPanicCounter(nil); err == nil {
		t.Error("NewPanicCounter(nil) succeeded; kit must not fall back to the global registry")
	}
	reg := prometheus.NewRegistry()
	a, err := metrics.NewPanicCounter(reg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := metrics.NewPanicCounter(reg) // a second package of the same service
	if err != nil {
		t.Fatalf("second NewPanicCounter on one registry: %v", err)
	}
	discard := slog.New(slog.DiscardHandler)
	p := &transport.PanicPolicy{Logger: discard, Counter: a}
	q := &transport.PanicPolicy{Logger: discard, Counter: b}
	_ = p.Recovered(context.Background(), "http", "GET /x", "v")
	_ = q.Recovered(context.Background(), "http", "GET /x", "v")
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(mfs) != 1 || mfs[0].GetMetric()[0].GetCounter().GetValue() != 2 {
		t.Errorf("both counters should be one series at 2, got %v", mfs)
	}

	clash := prometheus.NewRegistry()
	clash.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: metrics.PanicsTotal, Help: "not a counter"}))
	if _, err := metrics.NewPanicCounter(clash); err == nil {
		t.Error("NewPanicCounter accepted a registry holding a different metric of its name")
	}
}
