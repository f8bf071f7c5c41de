// Package hub fans every probe of a fleet into one stream of typed,
// immutable messages, and keeps the fleet's current state for readers
// that attach late. It is what the dashboard subscribes to and what
// `kitbench list` and `kitbench describe` print: nothing in kitbench
// talks to a service any other way.
//
// The hub watches a discovery source (probes/discovery). For each
// instance it starts a probe: the introspection client's Follow
// (probes/introspect) when the instance publishes an admin listener, which
// also scrapes /metrics (probes/scrape) every ScrapeInterval, or a TCP
// health probe when it does not. It stops the probe when the instance
// leaves. With Options.Metrics (a Prometheus server, through PromQL) the
// instances are not scraped: one read of the whole fleet per
// ScrapeInterval gives every instance's figures, and an instance the
// direct probes cannot reach but the server scrapes is IntroPrometheus,
// up, rather than down. Every message says which instance (Key) and,
// where it matters, which component it is about, so a view routes it
// without looking inside.
//
// # Usage
//
//	h, err := hub.New(hub.Options{}) // the default registry
//	defer h.Close()
//	sub := h.Subscribe(0)
//	defer sub.Close()
//	state := h.Snapshot() // start from the current state
//	for {
//		msg, err := sub.Next(ctx) // then follow changes
//		switch m := msg.(type) {
//		case hub.InstanceUpdate: ...
//		case hub.BreakerUpdate: ...
//		case hub.Dropped: state = h.Snapshot() // we fell behind
//		}
//	}
//
// Each instance's controls in force (faults, forced breakers, limiter
// overrides, a drain) come from its /info and then from the control
// events on /events; a ControlUpdate carries the whole list, and a
// control whose time has passed leaves it even if its expiry event was
// missed.
//
// One-shot commands call WaitSettled and then Snapshot. Traces joins the
// spans of every instance into trees by trace id.
//
// # Concurrency
//
// Hub and Subscription are safe for concurrent use. The hub owns one
// goroutine reading the source and, per instance, the probe's goroutines
// (the follower and the reader of its event stream, which has a
// connection of its own rather than one of net/http's, each of which
// holds two more goroutines; the metrics are read in rounds run
// from a timer, with no goroutine waiting between them); Close stops and
// waits for all of them. Idle connections are kept only as long as a few
// full-rate periods, so instances refreshed rarely under the probe budget
// dial for each round instead of holding a connection in between. Probes never wait for readers:
// each Subscription is a bounded queue in which the latest state of an
// instance, breaker, limiter or metrics replaces an unread older one
// (latest wins) and consecutive span batches merge; when it is full the
// oldest span batch, or else the new message, is dropped, counted, and
// reported to the reader as a Dropped message.
//
// # Failure behaviour
//
// Nothing a service sends can stop the hub. An instance that stops
// answering is marked StateDown at once when its event stream breaks, and
// within the probe interval plus the request timeout (500 ms + 1 s by
// default) when it hangs; an instance without an admin listener is
// IntroNoAdmin with a TCP health probe; one that speaks another protocol
// version is IntroProtocol with a message naming it. Malformed events are
// Problem messages. A registry outage is a SourceStatus with Stale set
// and the last known instances kept. Memory is bounded: spans in a ring
// of SpanRing (10 000) shared by the fleet, at most as many again kept
// for the traces someone pinned (Pin), traces built from those on demand,
// and each subscription's queue. Remote text (names, tags, span
// attributes) is kept as data, escape sequences included: renderers must
// strip it.
package hub
