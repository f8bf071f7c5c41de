package workbench

import (
	"testing"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/probes/scrape"
)

func TestEndpointsAddUpAcrossInstances(t *testing.T) {
	info := &wire.Info{Endpoints: []wire.EndpointDoc{
		{Name: "GetBook", Transport: "http", HTTPMethod: "GET", HTTPPath: "/v1/books/{id}"},
		{Name: "GetBook", Transport: "grpc", GRPCMethod: "/bookstore.v1.BookService/GetBook"},
		{Name: "Ping", Transport: "http"},
	}}
	measured := func(rate, req, errs float64, p50, p99 time.Duration) *hub.MetricsUpdate {
		return &hub.MetricsUpdate{Stats: scrape.Stats{Interval: time.Second, Endpoints: []scrape.EndpointStats{
			{Endpoint: "GetBook", Transport: "http", Rate: rate, Requests: req, Errors: errs, Failures: errs, P50: p50, P99: p99},
		}}}
	}
	insts := []hub.InstanceState{
		{Instance: hub.Instance{Info: info}, Metrics: measured(2, 20, 1, time.Millisecond, 9*time.Millisecond)},
		{Instance: hub.Instance{Info: info}, Metrics: measured(3, 30, 4, 2*time.Millisecond, 5*time.Millisecond)},
		// Metrics over no interval yet: its documented endpoints only.
		{Metrics: &hub.MetricsUpdate{Stats: scrape.Stats{Endpoints: []scrape.EndpointStats{{Endpoint: "Ghost", Transport: "http", Rate: 99}}}}},
		// An endpoint measured but documented by none.
		{Metrics: &hub.MetricsUpdate{Stats: scrape.Stats{Interval: time.Second, Endpoints: []scrape.EndpointStats{{Endpoint: "Legacy", Transport: "http"}}}}},
	}
	got := Endpoints(insts)
	want := []EndpointStats{
		{Name: "GetBook", Transport: "grpc", Route: "/bookstore.v1.BookService/GetBook"},
		{Name: "GetBook", Transport: "http", Route: "GET /v1/books/{id}", Measured: true, Rate: 5, Requests: 50, Errors: 5, Failures: 5, P50: 2 * time.Millisecond, P99: 9 * time.Millisecond},
		{Name: "Legacy", Transport: "http", Measured: true},
		{Name: "Ping", Transport: "http"},
	}
	if len(got) != len(want) {
		t.Fatalf("Endpoints = %+v\nwant %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d = %+v\nwant     %+v", i, got[i], want[i])
		}
	}
	if r := got[1].ErrorRatio(); r != 0.1 {
		t.Errorf("error ratio %v, want 0.1", r)
	}
	if r := got[2].ErrorRatio(); r != 0 {
		t.Errorf("error ratio with no requests %v, want 0", r)
	}
}

// describe's figures: failures apart from client errors, an exact mean
// weighted by calls, and quantiles under the histograms' floor shown as
// such.
func TestEndpointsFailuresMeanAndFloor(t *testing.T) {
	one := func(req, fail, client float64, mean, p50, p99, floor time.Duration) hub.InstanceState {
		return hub.InstanceState{Metrics: &hub.MetricsUpdate{Stats: scrape.Stats{Interval: time.Second, Endpoints: []scrape.EndpointStats{{
			Endpoint: "GetBook", Transport: "http", Requests: req, Errors: fail + client, Failures: fail, ClientErrors: client,
			Mean: mean, P50: p50, P99: p99, Floor: floor}}}}}
	}
	got := Endpoints([]hub.InstanceState{
		one(30, 0, 6, 15*time.Microsecond, 250*time.Microsecond, 495*time.Microsecond, 500*time.Microsecond),
		one(10, 1, 0, 55*time.Microsecond, 250*time.Microsecond, 450*time.Microsecond, 500*time.Microsecond),
	})[0]
	if got.ErrorRatio() != 0.025 || got.ClientErrorShare() != 0.15 || got.Mean != 25*time.Microsecond {
		t.Errorf("error ratio %v (want failures only, 0.025), client share %v (want 0.15), mean %v (want 25µs)",
			got.ErrorRatio(), got.ClientErrorShare(), got.Mean)
	}
	if p50, p99 := got.Quantile(got.P50), got.Quantile(got.P99); p50 != "<500µs" || p99 != "<500µs" {
		t.Errorf("quantiles under the floor read %q, %q; want <500µs", p50, p99)
	}
	if q := got.Quantile(1500 * time.Microsecond); q != "1.5ms" {
		t.Errorf("a resolved quantile reads %q, want 1.5ms", q)
	}
}
