// Package devregistry is the embedded default service registry for one
// machine: a single in-process server that speaks the part of Consul's HTTP
// API that kit uses, so that the unmodified github.com/hashicorp/consul/api
// client, and kit/sd/consul on top of it, work against it. It is not Consul:
// it has one node, one datacenter ("dc1"), no Raft, no gossip, no ACLs and
// no persistence. A fleet that outgrows one machine points CONSUL_HTTP_ADDR
// at a real Consul cluster and changes nothing else.
//
// It listens where Consul's agent does (127.0.0.1:8500) so that every client
// finds it with no configuration.
//
// # Served API
//
//   - PUT /v1/agent/service/register (AgentServiceRegistration JSON, with
//     Check or Checks; ?replace-existing-checks) and
//     PUT /v1/agent/service/deregister/:service_id
//   - PUT /v1/agent/check/pass|warn|fail/:check_id (?note=) and
//     PUT /v1/agent/check/update/:check_id ({"Status","Output"})
//   - GET /v1/health/service/:service with ?passing, ?tag= (repeatable, all
//     must match) and blocking ?index=&wait=
//   - GET /v1/catalog/services, blocking too
//   - GET /v1/agent/services, GET /v1/agent/self (minimal),
//     GET /v1/status/leader
//
// Only TTL checks are accepted: the registry runs no probes of its own, so a
// registration with an HTTP, TCP, gRPC or script check gets 400. TTL checks
// start critical unless the registration sets Status, turn critical when
// their TTL passes without an update, and take their service with them when
// they stay critical for DeregisterCriticalServiceAfter (timed exactly,
// where Consul's reaper runs every 30 seconds). The ?filter expression
// language is not supported (400); other query parameters are ignored,
// except ?dc naming another datacenter (500, as Consul answers).
//
// # Blocking queries
//
// Read endpoints answer with X-Consul-Index, X-Consul-KnownLeader and
// X-Consul-LastContact as Consul does. With ?index=N they wait until the
// index of what they read exceeds N, or for ?wait (default 5m, at most 10m,
// plus up to wait/16 of jitter), then answer with the current state. A
// health query's index moves only when an instance of that service is
// registered, deregistered or changes check status or output; a heartbeat
// that repeats the same status wakes no one. Indexes start from a clock-based
// seed, so a restarted registry normally answers above the indexes its
// clients saw; clients must still reset when an index goes backwards, as
// Consul's documentation requires.
//
// # Usage
//
//	reg := devregistry.New(devregistry.Options{}) // 127.0.0.1:8500
//	go reg.ListenAndServe()
//	defer reg.Shutdown(ctx)
//
// or mount reg.Handler() on a server of your own. `kitbench registry` runs
// one standalone.
//
// # Concurrency
//
// A Registry is safe for concurrent use. Each service has one broadcast
// channel that is closed when its index moves, so a thousand waiting
// queries cost a thousand parked goroutines and no polling. Encoded
// responses are cached per index, so waking watchers share one encoding.
// At most Options.MaxBlockingQueries (default 1024) queries wait at once.
//
// Memory follows what is registered: a service name with no instance left
// is forgotten (a later query for it answers an index no lower than its
// last), and the registry's maps are rebuilt smaller when they fall to a
// quarter of their peak, so 100 000 services registered and deregistered
// leave about 2 MiB behind.
//
// # Who may talk to it
//
// Like Consul's agent, the registry trusts whoever reaches its port, so it
// guards against the two ways a web page could reach it from the user's
// browser. A request whose Host header is not localhost, a loopback IP or
// the address the connection arrived on gets 403 (DNS rebinding);
// Options.AllowedHosts adds names. A write (any method but GET, HEAD and
// OPTIONS) that a browser marks as coming from another origin
// (Sec-Fetch-Site, or an Origin whose host is not the Host) gets 403:
// Consul sends no CORS headers unless configured to, so a browser cannot
// write to it from another origin, and the registry refuses such a write
// outright. Clients that are not browsers send no Origin and are served.
//
// # Failure behaviour
//
// Bad requests get Consul's statuses with a text body (400 for malformed
// input, 404 for an unknown service or check ID, 405 for a wrong method) and
// never a panic. Bodies are strict: anything after the JSON value is a 400.
// Service names, IDs and tags must be UTF-8 without NUL (other controls
// pass, as in Consul, and the workbench shows them safely), all at most 512
// bytes. IDs
// may hold "/" but no empty, "." or ".." segment, and a path with such a
// segment is a 400 rather than cleaned (so "a/../b" never reaches "b"). A foreign Host or a cross-origin write is a
// 403 (ErrForbidden); a blocking query past the cap is a 429 with
// Retry-After (ErrTooManyQueries). Shutdown and Close end every blocking query with the
// current state and stop every timer. State lives in memory only: a
// restarted registry is empty, and kit/sd/consul's Registrar registers again
// on its next heartbeat.
package devregistry
