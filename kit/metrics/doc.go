// Package metrics records RED metrics (rate, errors, duration) for every
// endpoint with Prometheus, under names that do not change: dashboards,
// alerts and kitbench's scraper depend on them.
//
//	kit_requests_total{endpoint,transport,code}      counter
//	kit_request_duration_seconds{endpoint,transport} histogram
//	kit_requests_in_flight{endpoint,transport}        gauge
//
// Every endpoint should be wrapped, server side and client side. Label
// values come only from a fixed set: endpoint and transport are chosen when
// the middleware is built, never read from a request, and code is CodeOK or
// a status from a short list (anything else becomes "4xx" or "5xx"). A
// service with E endpoints served over T transports therefore has at most
// E×T×17 request series, however many distinct paths, ids or users its
// callers send.
//
// NewStream records streams (server-streaming, client-streaming and
// bidirectional calls) with a StreamMiddleware per stream endpoint, under
// names that follow grpc-prometheus's (grpc_server_started_total,
// grpc_server_handled_total, grpc_server_msg_received_total,
// grpc_server_msg_sent_total, grpc_server_handling_seconds) in kit's
// namespace:
//
//	kit_streams_started_total{endpoint,transport}       counter
//	kit_streams_handled_total{endpoint,transport,code}  counter, code as for kit_requests_total
//	kit_stream_msg_received_total{endpoint,transport}   counter: messages the endpoint received
//	kit_stream_msg_sent_total{endpoint,transport}       counter: messages the endpoint sent
//	kit_stream_duration_seconds{endpoint,transport}     histogram, 10 ms to 1 h
//
// A stream's code is that of the error its endpoint returned, so a stream
// the caller cancelled counts as 499. Streams open now are in the
// introspection API (introspect.Registry.StreamMiddleware).
//
// NewCollector adds the state of the service's circuit breakers and rate
// limiters, read from its introspect.Registry at scrape time:
//
//	kit_breaker_state{breaker}            gauge: 0 closed, 1 half-open, 2 open
//	kit_breaker_requests{breaker}         gauge: calls in the current window
//	kit_breaker_failures{breaker}         gauge: failures in the current window
//	kit_breaker_rejected_total{breaker}   counter
//	kit_ratelimit_allowed_total{limiter}  counter
//	kit_ratelimit_rejected_total{limiter} counter
//	kit_ratelimit_tokens{limiter}         gauge
//
// # Usage
//
//	reg := prometheus.NewRegistry() // the service's own; kit never uses the global one
//	m, err := metrics.New(reg)
//	...
//	getBook = m.Middleware("GetBook", "http")(getBook)
//	reg.MustRegister(metrics.NewCollector(introspectRegistry))
//	h := introspect.NewHandler(introspectRegistry, introspect.WithMetrics(reg))
//
// # Concurrency
//
// A Metrics value and its middlewares are safe for concurrent use. The
// call path does no label lookups and no allocations: each middleware
// resolves its series when it is built (the success series) or on the
// first call that ends with a given code (the others), then only updates
// them with atomic operations.
//
// # Failure behaviour
//
// A call fails, for these metrics, when it returns an error or a response
// implementing endpoint.Failer whose Failed method returns one. Its code
// agrees with transport.Classify, the one definition breakers, balancers'
// statistics and outlier ejection use: a call the caller gave up on — its
// own cancellation (transport.Canceled) or its own deadline
// (transport.CallerDeadline) — is "499"; any other is transport.StatusOf
// of the error, so a timeout further down, or one a middleware imposed
// with transport.WithTimeout, stays the service's "504". Both caller-side
// outcomes share 499 (nginx's "client closed request", which is what the
// callee saw: the caller stopped waiting) rather than get a label value or
// a label of their own: the code label keeps holding HTTP statuses only,
// as Prometheus's conventions and every dashboard reading it expect; the
// series count stays at 17 codes per endpoint and transport; and a reader
// that classifies the label (transport.ClassOfStatus) finds neither a
// failure nor a client error in it. What the label does not tell —
// whether the caller cancelled or ran out of time — the call's span and
// log record do; its duration is in the histogram either way.
//
// New refuses a nil Registerer, and
// reports a name clash with a differently shaped metric as an error rather
// than panicking; invalid UTF-8 in label values is repaired, never a panic.
package metrics
