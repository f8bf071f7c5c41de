package main

import (
	"fmt"
	"io"
	"strings"
)

// target is a bar an issue sets. It names a benchmark (package path part
// and name, with any impl= element removed), the implementation measured
// ("" for a benchmark that is not a comparison), a unit, and one bar: a
// ratio to a baseline implementation, an extra amount over it, or an
// absolute value.
type target struct {
	pkgPart, bench, impl, unit string
	against                    string  // baseline impl for ratio and extra bars; "" means the group's baseline
	maxRatio                   float64 // bar: value / baseline ≤ maxRatio
	maxExtra                   *float64
	maxAbs                     *float64 // bar: value ≤ maxAbs (in the unit as benchfmt tidies it: sec/op, B/op, …)
	issue                      string   // where the bar comes from
}

func ptr(v float64) *float64 { return &v }

// targets lists the bars the issues set.
var targets = []target{
	{pkgPart: "kit/transport/http", bench: "BenchmarkServerCPU", impl: "kit", unit: "server-cpu-ratio", maxAbs: ptr(1.03), issue: "#2 HTTP server CPU within 3 % of raw (paired with a raw server)"},
	{pkgPart: "kit/transport/http", bench: "BenchmarkServeHTTP", impl: "kit", unit: "allocs/op", maxExtra: ptr(0), issue: "#2 HTTP server allocates no more than raw"},
	{pkgPart: "kit/transport/http", bench: "BenchmarkRequestState", impl: "kit", unit: "allocs/op", against: "plain", maxExtra: ptr(-2), issue: "#18 kept: the request id as unsafe.String and the request state as its own context save the 2 allocations that keep the server at raw's count"},
	{pkgPart: "kit/transport/grpc", bench: "BenchmarkServer", impl: "kit", unit: "allocs/op", maxExtra: ptr(2), issue: "#2 gRPC server ≤ 2 allocs over raw"},
	{pkgPart: "kit/transport/grpc", bench: "BenchmarkClient", impl: "kit", unit: "allocs/op", maxExtra: ptr(3), issue: "#2 gRPC client ≤ 3 allocs over generated"},
	{pkgPart: "kit/transport/grpc", bench: "BenchmarkStreamServer/msgs=1", impl: "kit", unit: "allocs/op", maxExtra: ptr(1), issue: "#21 gRPC stream server adapter ≤ 1 alloc per stream over generated code"},
	{pkgPart: "kit/transport/grpc", bench: "BenchmarkStreamServer/msgs=100", impl: "kit", unit: "allocs/op", maxExtra: ptr(1), issue: "#21 and 0 per message: a 100-message stream still ≤ 1 alloc over generated code"},
	{pkgPart: "kit/transport/grpc", bench: "BenchmarkStreamServerCPU", impl: "chain", unit: "server-cpu-ratio", maxAbs: ptr(1.10), issue: "#21 full stream middleware chain ≤ 1.10× raw server CPU per message, 100-message streams (paired with a raw server)"},
	{pkgPart: "kit/circuitbreaker", bench: "BenchmarkClosed", impl: "kit", unit: "sec/op", maxAbs: ptr(30e-9), issue: "#3 breaker closed path ≤ 30 ns"},
	{pkgPart: "kit/circuitbreaker", bench: "BenchmarkClosed", impl: "kit", unit: "allocs/op", maxAbs: ptr(0), issue: "#3 breaker closed path 0 allocs"},
	{pkgPart: "kit/fault", bench: "BenchmarkMiddlewareNoFault", impl: "kit", unit: "sec/op", maxExtra: ptr(5e-9), issue: "#23 fault middleware with no fault set ≤ 5 ns over the bare call"},
	{pkgPart: "kit/fault", bench: "BenchmarkMiddlewareNoFault", impl: "kit", unit: "allocs/op", maxAbs: ptr(0), issue: "#23 fault middleware with no fault set 0 allocs"},
	{pkgPart: "bench", bench: "BenchmarkChain", impl: "kit", unit: "sec/op", against: "gokit", maxRatio: 1.0 / 3, issue: "#3 chain ≤ ⅓ of go-kit's time"},
	{pkgPart: "bench", bench: "BenchmarkChain", impl: "kitbodies", unit: "sec/op", against: "gokit", maxRatio: 1.0 / 3, issue: "#3 beyond the issue's bar: kit logging payloads at Info too (logging.Bodies), as go-kit's chain does"},
	{pkgPart: "bench", bench: "BenchmarkChain", impl: "kit", unit: "allocs/op", against: "gokit", maxRatio: 1.0 / 3, issue: "#3 chain ≤ ⅓ of go-kit's allocations"},
	{pkgPart: "bench", bench: "BenchmarkChain", impl: "kit", unit: "B/op", against: "gokit", maxRatio: 1.0 / 3, issue: "#3 chain ≤ ⅓ of go-kit's bytes"},
	{pkgPart: "bench", bench: "BenchmarkBookServerCPU", impl: "kit", unit: "server-cpu-ratio", maxAbs: ptr(1.05), issue: "#3 Book service with full chain ≤ 1.05× bare (CPU paired with a bare instance)"},
	{pkgPart: "bench", bench: "BenchmarkBookServerCPU", impl: "kitwarn", unit: "server-cpu-ratio", maxAbs: ptr(1.05), issue: "#3 the same, logger at Warn (successes not formatted)"},
	{pkgPart: "kit/sd", bench: "BenchmarkEndpointerUpdate", impl: "kit", unit: "sec/op", maxAbs: ptr(0.5e-3), issue: "#4 10 000-instance update ≤ 0.5 ms"},
	{pkgPart: "kit/sd", bench: "BenchmarkEndpointerUpdate", impl: "kit", unit: "B/op", maxAbs: ptr(100e3), issue: "#4 10 000-instance update ≤ 100 KB"},
	{pkgPart: "bench", bench: "BenchmarkPick/n=10000", impl: "kit", unit: "allocs/op", maxAbs: ptr(0), issue: "#4 balancer pick 0 allocs at 10 000 instances"},
	{pkgPart: "probes/hub", bench: "BenchmarkFleetMemory", unit: "B-held", maxAbs: ptr(200e6), issue: "#5 1 000 instances and a full span ring held in < 200 MB"},
	{pkgPart: "ui/dashboard", bench: "BenchmarkView/instances=1000/breakers=300/spans=10000/tab=instances/profile=TrueColor", unit: "sec/op", maxAbs: ptr(8e-3), issue: "#6 a frame of the instances view ≤ 8 ms"},
	{pkgPart: "ui/dashboard", bench: "BenchmarkView/instances=1000/breakers=300/spans=10000/tab=breakers/profile=TrueColor", unit: "sec/op", maxAbs: ptr(8e-3), issue: "#6 a frame of the breakers view ≤ 8 ms"},
	{pkgPart: "ui/dashboard", bench: "BenchmarkViewSearch/instances=1000/breakers=300/spans=10000/tab=traces-search/profile=TrueColor", unit: "sec/op", maxAbs: ptr(8e-3), issue: "#19 a frame of the traces view with a search filter active ≤ 8 ms"},
	{pkgPart: "cmd/kitbench", bench: "BenchmarkCallProcess", impl: "kit", unit: "sec/op", against: "grpcurl", maxRatio: 1, issue: "#7 a kitbench call process no slower than grpcurl"},
	{pkgPart: "recorder/capture", bench: "BenchmarkCaptureFullServerCPU", impl: "kit-capture", unit: "server-cpu-ratio", maxAbs: ptr(1.05), issue: "#8 capture costs < 5 % of the Book service (full chain, HTTP; CPU paired with the service without capture)"},
	{pkgPart: "recorder/capture", bench: "BenchmarkCaptureGRPCServerCPU", impl: "kit-capture", unit: "server-cpu-ratio", maxAbs: ptr(1.05), issue: "#8 the same over gRPC"},
	{pkgPart: "recorder/capture", bench: "BenchmarkRingFullServerCPU", impl: "kit-ring", unit: "server-cpu-ratio", maxAbs: ptr(1.03), issue: "#22 the exchange ring costs ≤ 1.03× the Book service without it (full chain, HTTP; CPU paired); resolves #8's bar: file capture is the heavier mode"},
	{pkgPart: "recorder/capture", bench: "BenchmarkRingGRPCServerCPU", impl: "kit-ring", unit: "server-cpu-ratio", maxAbs: ptr(1.03), issue: "#22 the same over gRPC"},
	{pkgPart: "recorder/capture", bench: "BenchmarkRingThriftServerCPU", impl: "kit-ring", unit: "server-cpu-ratio", maxAbs: ptr(1.03), issue: "#22 the same over Thrift (binary protocol; the issue's bar, held for Thrift too)"},
	{pkgPart: "recorder/capture", bench: "BenchmarkRingHTTP", impl: "ring", unit: "allocs/op", against: "bare", maxExtra: ptr(1), issue: "#22 the ring's hot path ≤ 1 alloc per exchange (HTTP)"},
	{pkgPart: "recorder/capture", bench: "BenchmarkRingUnary", impl: "ring", unit: "allocs/op", against: "bare", maxExtra: ptr(1), issue: "#22 the same for gRPC unary"},
	{pkgPart: "recorder/capture", bench: "BenchmarkRingStream/msgs=32", impl: "ring", unit: "allocs/op", against: "bare", maxExtra: ptr(1), issue: "#22 the same for a gRPC stream of 32 messages (none per message)"},
	{pkgPart: "recorder/capture", bench: "BenchmarkRingRead/n=1000", unit: "sec/op", maxAbs: ptr(50e-3), issue: "#22 reading 1,000 exchanges through /exchanges < 50 ms"},
	{pkgPart: "kit/transport/thrift", bench: "BenchmarkServer", impl: "kit", unit: "allocs/op", maxExtra: ptr(2), issue: "#10 Thrift server ≤ 2 allocs over the raw processor"},
	{pkgPart: "kit/sd/etcd", bench: "BenchmarkWatchUpdate", impl: "kit", unit: "sec/op", maxAbs: ptr(0.5e-3), issue: "#11 etcd watch update, 10 000 instances ≤ 0.5 ms"},
	{pkgPart: "kit/sd/etcd", bench: "BenchmarkWatchUpdate", impl: "kit", unit: "B/op", maxAbs: ptr(100e3), issue: "#11 etcd watch update, 10 000 instances ≤ 100 KB"},
	{pkgPart: "internal/fleetsim", bench: "BenchmarkWatchFleet/instances=1000", unit: "workbench-cpu-%", maxAbs: ptr(15), issue: "#24 watching 1 000 live instances ≤ 15 % of a core"},
	{pkgPart: "internal/fleetsim", bench: "BenchmarkWatchFleet/instances=1000", unit: "workbench-rss-B", maxAbs: ptr(250e6), issue: "#24 watching 1 000 live instances ≤ 250 MB"},
	{pkgPart: "internal/fleetsim", bench: "BenchmarkWatchFleet/instances=5000", unit: "workbench-cpu-%", maxAbs: ptr(40), issue: "#24 watching 5 000 live instances ≤ 40 % of a core"},
	{pkgPart: "internal/fleetsim", bench: "BenchmarkWatchFleet/instances=5000", unit: "workbench-rss-B", maxAbs: ptr(600e6), issue: "#24 watching 5 000 live instances ≤ 600 MB"},
	{pkgPart: "internal/fleetsim", bench: "BenchmarkWatchFleet/instances=1000", unit: "instance-cpu-%", maxAbs: ptr(0.05), issue: "#24 a watched instance spends ≤ 0.05 % of a core answering the workbench"},
	{pkgPart: "internal/fleetsim", bench: "BenchmarkKeyToFrame", unit: "p99-ms", maxAbs: ptr(100), issue: "#24 key to frame ≤ 100 ms at 1 000 instances under churn"},
}

// renderTargets writes one row per target whose benchmark ran.
func renderTargets(w io.Writer, s *resultSet) {
	groups, singles := s.split()
	var rows []string
	for _, t := range targets {
		if row, ok := t.check(groups, singles); ok {
			rows = append(rows, row)
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w, "## Targets")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| bar | benchmark | measured | |")
	fmt.Fprintln(w, "|---|---|---:|---|")
	for _, r := range rows {
		fmt.Fprintln(w, r)
	}
	fmt.Fprintln(w)
}

func (t target) check(groups []*group, singles []*sample) (string, bool) {
	var smp, base *sample
	baseName := t.against
	for _, g := range groups {
		if !strings.HasSuffix(g.pkg, t.pkgPart) || g.name != t.bench {
			continue
		}
		smp = g.impls[t.impl]
		if baseName == "" {
			baseName = g.baseline()
		}
		base = g.impls[baseName]
	}
	if t.impl == "" {
		for _, s := range singles {
			if strings.HasSuffix(s.pkg, t.pkgPart) && s.name == t.bench {
				smp = s
			}
		}
	}
	if smp == nil {
		return "", false
	}
	v, ok := smp.median(t.unit)
	if !ok {
		return "", false
	}
	var got string
	var met bool
	switch {
	case t.maxAbs != nil:
		got, met = format(v, t.unit), v <= *t.maxAbs
	case base == nil:
		return "", false
	default:
		b, ok := base.median(t.unit)
		if !ok {
			return "", false
		}
		if t.maxExtra != nil {
			d := fmt.Sprintf("%+.0f", v-b)
			if t.unit == "sec/op" {
				d = "+" + formatDuration(v-b)
				if v < b {
					d = "-" + formatDuration(b-v)
				}
			}
			got, met = d+" vs "+baseName, v-b <= *t.maxExtra
		} else {
			r := v / b
			if b == 0 {
				r = 0
			}
			got, met = fmt.Sprintf("%.3f× %s", r, baseName), r <= t.maxRatio
		}
	}
	mark := "met"
	if !met {
		mark = "**missed**"
	}
	name := t.bench
	if t.impl != "" {
		name += " impl=" + t.impl
	}
	return fmt.Sprintf("| %s | `%s` %s, %s | %s | %s |", t.issue, t.pkgPart, name, t.unit, got, mark), true
}
