// Package bench compares kit with go-kit v0.13.0 and with raw net/http and
// grpc-go baselines, in the same `go test -bench` run.
//
// It is a module of its own so that the main module never depends on go-kit.
// Each comparison is one benchmark with sub-benchmarks impl=kit, impl=gokit and
// impl=raw; the performance report (docs/performance.md) is generated from
// them by the command documented there.
package bench
