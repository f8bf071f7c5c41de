package transport_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/kit/transport"
	"github.com/kitbench/kitbench/kit/transport/internal/panictest"
	"github.com/prometheus/client_golang/prometheus"
)

func TestNewPanicCounter(t *testing.T) {
	if _, err := transport.NewPanicCounter(nil); err == nil {
		t.Error("NewPanicCounter(nil) succeeded; kit must not fall back to the global registry")
	}
	reg := prometheus.NewRegistry()
	a, err := transport.NewPanicCounter(reg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := transport.NewPanicCounter(reg) // a second package of the same service
	if err != nil {
		t.Fatalf("second NewPanicCounter on one registry: %v", err)
	}
	p := &transport.PanicPolicy{Logger: discard(), Counter: a}
	q := &transport.PanicPolicy{Logger: discard(), Counter: b}
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
	clash.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: transport.PanicsTotal, Help: "not a counter"}))
	if _, err := transport.NewPanicCounter(clash); err == nil {
		t.Error("NewPanicCounter accepted a registry holding a different metric of its name")
	}
}

func TestRecovered(t *testing.T) {
	rec, err := panictest.New(false)
	if err != nil {
		t.Fatal(err)
	}
	err = rec.Policy.Recovered(context.Background(), "thrift", "", panictest.Secret)
	if !errors.Is(err, transport.ErrPanic) || strings.Contains(err.Error(), panictest.Secret) {
		t.Errorf("Recovered returned %v, want ErrPanic without the value", err)
	}
	if transport.StatusOf(err) != 500 {
		t.Errorf("StatusOf(%v) = %d, want 500", err, transport.StatusOf(err))
	}
	if err := rec.Check(1, "transport_test.TestRecovered", "unknown", "thrift"); err != nil {
		t.Error(err)
	}

	// A runtime error's message is the runtime's, and worth logging.
	func() {
		defer func() { _ = rec.Policy.Recovered(context.Background(), "grpc", "/s/M", recover()) }()
		var s []string
		_ = s[len(panictest.Secret)] // index out of range
	}()
	if !strings.Contains(rec.Log(), "index out of range") {
		t.Errorf("the runtime error's message was not logged:\n%s", rec.Log())
	}
	if strings.Contains(rec.Log(), panictest.Secret) {
		t.Errorf("the log holds the secret:\n%s", rec.Log())
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
