// Package etcd connects kit services to etcd through its v3 API: an
// Instancer that lists a key prefix and then watches it, and a Registrar
// that writes an instance under a lease it keeps alive.
//
// It exists because go-kit's two etcd packages fail where it matters:
// sd/etcd speaks the v2 API, which etcd 3.6 no longer serves, and
// sd/etcdv3's watch ends silently after a compaction and its registrar
// never takes a lost lease back. Here a compaction is an error event
// followed by a fresh list, and a lost lease is granted anew and the
// instance written again.
//
// # Key and value layout
//
// An instance lives at prefix + service + "/" + id (DefaultPrefix is
// "/kit/services/"; see Key), so one service is one prefix and every
// service is the prefix itself. The value is the JSON of sd.Instance, the
// same fields the Consul path carries:
//
//	{"id":"book-1","service":"book","address":"127.0.0.1:8080",
//	 "tags":["http","grpc"],
//	 "meta":{"kit_http":"127.0.0.1:8080","kit_grpc":"127.0.0.1:9090",
//	         "kit_admin":"http://127.0.0.1:7070"},
//	 "health":"passing"}
//
// tags and meta may be left out; health empty means passing, and a value
// the Instancer does not know counts as critical. The key names the
// instance: a value whose id or service disagrees with its key, that is
// not JSON, or that has no address is ignored (and logged), so one bad
// write never hides the others.
//
// # Usage
//
//	client, err := etcd.NewClient("") // ETCDCTL_ENDPOINTS, else 127.0.0.1:2379
//	defer client.Close()
//	reg, err := etcd.NewRegistrar(client, sd.Instance{ID: "book-1", Service: "book", Address: "127.0.0.1:8080"}, etcd.RegistrarOptions{})
//	err = reg.Register(ctx)
//	defer reg.Deregister(context.WithoutCancel(ctx))
//	promRegistry.MustRegister(reg.Collector()) // kit_sd_reregistrations_total
//
//	inst := etcd.NewInstancer(client, "book", etcd.InstancerOptions{})
//	defer inst.Stop()
//	e := sd.NewEndpointer(inst, factory)
//
// A service that wants its re-registrations on its admin listener
// registers Collector in the Prometheus registry behind /metrics; code
// that wants the value itself (a health handler, a log line) reads
// Registrar.Status.
//
// # Concurrency
//
// Instancer and Registrar are safe for concurrent use. An Instancer runs
// one goroutine for its list-and-watch loop (plus one inside Conn per open
// watch) and one per observer; Stop ends them all and waits. A Registrar
// runs one goroutine between Register and Deregister. Every observer gets
// the same slices per event; they are never modified after they are sent.
//
// # Events
//
// An observer's first event is the whole current set. Each list (the
// first, and the one after a compaction or an outage) is published as a
// whole set, sorted by service, then ID; each watch response as one
// sd.Event delta holding only what it changed: the previous values of the
// instances that left or changed in Removed, the new values of those that
// joined or changed in Instances. One instance changing among 10 000 thus
// costs its observers one instance, not a copy of the set. An observer
// that falls behind gets, when it is ready, the deltas it missed merged
// into one (or the whole set, if a list came in between).
//
// # Failure behaviour
//
// The Instancer lists the prefix and watches from the next revision. When
// the watch reports that its revision was compacted away, it publishes an
// error event (ErrCompacted, Stale; a delta without changes, so observers
// keep the last instances), lists again, publishes the list as a whole
// set and watches from the new revision. etcd's client waits silently for a lost
// connection to come back, so the Instancer also probes the cluster every
// ProbeEvery; when a probe, a list or the watch fails it marks the last
// known instances Stale with the error attached — never an empty set
// because etcd blinked — and retries with exponential backoff and jitter
// (1 s doubling to 30 s). The first good list clears Stale, as a whole
// set.
//
// The Registrar's lease is lost when etcd revokes it, when it expires
// because keep-alives went unanswered for a whole TTL (an outage), or when
// its keep-alive stream ends. Each time, the Registrar grants a new lease
// and writes the instance again at once, then with backoff (500 ms
// doubling to 10 s) until it succeeds, and counts it in
// RegistrarStatus.ReRegistrations. A key deleted by hand while its lease
// lives is not noticed until the lease is lost.
//
// # Testing against a real etcd
//
// The integration tests start Debian's etcd-server (installed by
// .ci/deps.sh) on free loopback ports with a temporary data directory,
// and kill it at cleanup. A separate process was chosen over embedding
// go.etcd.io/etcd/server/v3: stopping and restarting it is a real outage
// of a real process, it is the same server an operator runs, and the
// module's go.mod keeps only the client (the embedded server would add
// its raft, bbolt and gRPC-gateway trees to every build of the module).
// Debian 12 ships etcd 3.4; everything used here is in the v3 API since
// 3.4 and unchanged in 3.5 and 3.6.
package etcd
