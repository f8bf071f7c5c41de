// Package consul connects kit services to Consul (or to kit's devregistry,
// which speaks the same API): an Instancer that watches a service with
// blocking health queries, and a Registrar that announces an instance and
// keeps its TTL check passing.
//
// Both sit on a narrow Client interface rather than on *api.Client, because
// the interesting behaviour of a discovery client is what it does when
// Consul misbehaves, and that can only be tested with a fake.
//
// The watch loop follows Consul's documented rules for blocking queries,
// which go-kit's loop did not (its issues #627 and #1214: hundreds of
// requests per second against a churning index):
//
//   - every query carries a wait time;
//   - an index that goes backwards resets the loop to index 0;
//   - the loop never waits on an index below 1;
//   - queries are rate-limited (a burst of 2, then one per 15 seconds), so
//     an index that churns costs four queries a minute, not thousands.
//
// # Usage
//
//	client, err := consul.NewClient("") // CONSUL_HTTP_ADDR, or 127.0.0.1:8500
//	reg, err := consul.NewRegistrar(client, sd.Instance{ID: "book-1", Service: "book", Address: "127.0.0.1:8080"}, consul.RegistrarOptions{})
//	err = reg.Register(ctx)
//	defer reg.Deregister(context.WithoutCancel(ctx))
//
//	inst := consul.NewInstancer(client, "book", consul.InstancerOptions{})
//	defer inst.Stop()
//	events := make(chan sd.Event, 1)
//	inst.Register(events)
//
// NewClient honours CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN, CONSUL_HTTP_SSL
// and Consul's other standard variables, as Consul's own tools do.
//
// # Concurrency
//
// Instancer and Registrar are safe for concurrent use. An Instancer runs one
// goroutine for its loop and one per observer; Stop ends them all and waits.
// A Registrar runs one heartbeat goroutine between Register and Deregister.
//
// # Failure behaviour
//
// Every request has a bound, whatever context it is given, because an agent
// that accepts connections and never answers (a hung agent, a network that
// drops packets) would otherwise freeze its caller silently: a blocking
// query may take QueryTimeout(Wait) — the wait, Consul's jitter of up to
// wait/16, and 5 seconds of margin — and a Registrar request
// RegistrarOptions.Timeout (5 s). A request that reaches its bound fails
// with an error wrapping ErrUnresponsive.
//
// When a query fails — refused, answered with an error, or unanswered
// within its bound — the Instancer publishes the last known instances
// with Stale set and the error attached (never an empty set because
// Consul blinked; empty only if nothing was ever known) and retries with
// exponential backoff and jitter (1s doubling to 30s by default). The first
// good answer after an outage clears Stale.
//
// The Registrar's heartbeat logs failures and keeps trying; when the agent
// answers that it does not know the check (it restarted and lost its
// state), the Registrar registers the instance again. Register and
// Deregister return an error wrapping ErrUnresponsive from a silent agent
// rather than wait on it.
package consul
