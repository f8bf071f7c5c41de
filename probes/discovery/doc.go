// Package discovery tells kitbench which instances exist: it watches a
// source and reports the whole instance set, service by service, as it
// changes. The source is a Consul agent or kitbench's dev registry (the
// same API, read through kit/sd/consul, so CONSUL_HTTP_ADDR and
// CONSUL_HTTP_TOKEN work as in Consul's own tools), etcd (every service
// under kit/sd/etcd's prefix, through one watch; ETCDCTL_ENDPOINTS works as
// in etcd's own tools when no Consul address is named), or a fixed list of
// static targets that needs no registry at all.
//
// It reports unhealthy instances too, with their health, because a
// workbench that hides a failing instance hides the thing you came to see.
//
// # Usage
//
//	w, err := discovery.New(discovery.Options{}) // CONSUL_HTTP_ADDR, else 127.0.0.1:8500
//	defer w.Close()
//	for snap := range w.Updates() { ... }      // newest state after each change
//
// or, for a one-shot command, discovery.List(ctx, opts).
//
// # Concurrency
//
// A Watcher runs one goroutine for the catalog and, per service, the
// goroutines of a kit/sd/consul Instancer plus one forwarder (with etcd,
// one kit/sd/etcd Instancer and one forwarder in all); Close stops and
// waits for all of them. Snapshots are immutable values; Updates holds
// only the newest, so a slow reader never holds the Watcher back.
//
// # Failure behaviour
//
// Services appear when the catalog lists them and disappear when it stops
// listing them, at the speed of Consul's blocking queries (a change is seen
// at once; a churning registry costs at most ten queries a second per
// watch). Every registry query is bounded (Options.Timeout; by default the
// wait, Consul's jitter of up to wait/16, and 5 s), so a registry that
// accepts connections and never answers fails like one that is down, with
// an Err wrapping consul.ErrUnresponsive, instead of freezing the watch.
// When the registry fails, the Snapshot keeps the last known set, marked
// Stale with the error in Err, and the watch retries with jittered
// exponential backoff (250 ms doubling to 5 s); the first good answer
// clears the mark. List against a silent registry returns that error
// after one bound. A service whose own query fails is marked Stale in the
// same way. With etcd, an outage or a compaction marks the whole set (and
// each service) Stale in the same way, found by kit/sd/etcd's probe within
// about 7 seconds. Static targets never change and never fail.
package discovery
