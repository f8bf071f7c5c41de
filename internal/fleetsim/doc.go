// Package fleetsim simulates a fleet of kit services in one process, for
// tests and benchmarks of the workbench at fleet scale. It is test
// equipment, not a library for services: nothing outside tests,
// benchmarks and its own command imports it.
//
// A Fleet serves N lightweight instances over loopback. Each instance is
// real kit where the workbench looks: its own introspect.Registry and
// introspect.Handler (the introspection protocol with its event stream), a
// kit/metrics request histogram and counters on a Prometheus registry of
// its own (/metrics in kit's shape, and the compact RED resource), and a
// kit/circuitbreaker breaker whose transitions go out as events. What is
// simulated is the traffic: a driver calls each instance's endpoints
// in-process at a controllable rate, with no transport in between, so the
// fleet's own cost stays small next to the cost of being watched.
//
// Every instance is registered in a kit/sd/devregistry (the fleet's own,
// or one given by address) with its admin base URL in sd.MetaAdmin.
// Instances share admin listeners, PerListener of them on each, told
// apart by path: an instance's admin base is http://127.0.0.1:PORT/i/ID,
// which the workbench's probes join paths onto unchanged. With
// PerListener 1 each instance has a listener of its own, as a real fleet
// does.
//
// Churn removes instances (deregistered, their streams ended) and adds
// new ones; Trip makes an instance's endpoints fail until its breaker
// opens.
//
// # Limits
//
// Each watched instance costs the fleet a few file descriptors (its
// share of a listener, the event stream, a pooled connection). Start
// raises the process's soft RLIMIT_NOFILE to its hard limit and fails
// with an error naming the numbers when the fleet would not fit.
//
// # Failure behaviour
//
// Start returns an error, and leaves nothing running, when a listener
// cannot be opened or the registry refuses a registration. Close stops
// the traffic, deregisters nothing (the fleet's own registry goes with
// it; an external one sees the instances' admin listeners close) and
// waits for every goroutine it started.
package fleetsim
