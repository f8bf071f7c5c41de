// Package demo runs the fleet that `kitbench demo` shows: a registry (the
// embedded dev registry, unless one already answers at the address), three
// Book instances sharing one store — one of them misbehaving on a schedule,
// slow, then failing, then recovering — the gateway in front of them, and
// a traffic generator with a modest steady rate and occasional bursts that
// hit the gateway's rate limiter. The traffic streams too, through the
// gateway's gRPC face: two long-lived watchers that watch again (after a
// pause that grows while watches keep failing) whenever their watch ends,
// and every 10 to 30 s an import of a few books (one of them invalid) or a
// sync of the traffic's own copy of the shelf.
//
// With Options.Etcd the fleet runs on etcd instead: the demo registers
// every instance there through kit/sd/etcd and the gateway watches the Book
// service there; no dev registry is started.
//
// The misbehaviour is not in the service: every instance enables the
// introspection protocol's controls, and a fault script sets fault controls
// on the misbehaving instance through its admin listener as the schedule
// goes, as `kitbench fault set` would — each for as long as its phase
// lasts, so the instance reverts by itself at the phase's end (or when the
// demo dies). The faults therefore show in /info, on /events, in `kitbench
// fault list` and on the spans as injected. Options.Quiet runs no script:
// nothing misbehaves until someone sets a fault.
//
// Everything runs in the calling process and stops with Fleet.Close, which
// deregisters every instance. The schedule is reproducible: the same Seed
// gives the same phase lengths.
//
// # Failure behaviour
//
// Start fails with an error naming the address when a port is taken by
// something that is not a registry, or when the registry at the address
// refuses registrations; whatever it had started is stopped again. A
// fault the instance refuses is logged (Options.Logger, at Warn) and the
// script goes on: the next phase tries again.
package demo
