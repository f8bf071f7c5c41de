// Package promql reads a fleet's RED figures from a Prometheus server
// instead of from each instance: request rate, failure ratio (with the
// error classes of probes/scrape: failures, client errors and calls the
// caller gave up on), latency quantiles and mean per service, instance
// and endpoint, circuit-breaker states and rate-limiter decisions. It
// speaks Prometheus's HTTP API v1 through
// github.com/prometheus/client_golang/api.
//
// A Fetch asks one query per figure (nine in all) for the whole fleet,
// grouped by the labels that name an instance (Labels: service,
// service_id and instance by default), never one per instance: the number
// of queries does not grow with the fleet, only the size of the answers. The answers are assembled into the same scrape.Stats a scrape
// gives, so a view cannot tell where its figures came from.
//
// # Matching series to instances
//
// Fleet.Lookup finds an instance by the service name and instance ID its
// registry holds, which Prometheus's Consul discovery exposes as
// __meta_consul_service and __meta_consul_service_id: the scrape
// configuration must copy them to the target labels service and
// service_id (docs/prometheus.md has the relabelling). Failing that, it
// matches the instance label against the host:port of the instance's
// admin listener (sd.MetaAdmin), which is what the instance label is when
// Prometheus scrapes the admin listener, as it must to read /metrics.
//
// # Usage
//
//	src, err := promql.New(promql.Options{URL: "http://127.0.0.1:9090"})
//	...
//	fleet, err := src.Fetch(ctx, time.Time{}) // now
//	fig, ok := fleet.Lookup("bookstore", "bookstore-1", "http://127.0.0.1:9464")
//	if ok {
//		fmt.Printf("%.1f/s, %.1f%% failing\n", fig.Stats.Instance.Rate, 100*fig.Stats.Instance.FailureRatio)
//	}
//
// # Concurrency
//
// A Source is safe for concurrent use; Fetch runs its queries
// concurrently and returns when all have answered. A Fleet is read-only
// once returned. Close releases the idle connections of the Source's own
// transport.
//
// # Failure behaviour
//
// Every query is bounded by Options.Timeout. A server that does not
// answer, answers with an error or refuses a query fails the whole Fetch
// with an error that names the server and the figure: a Fleet is
// complete or absent, never half-filled. Prometheus's warnings are kept
// in Fleet.Warnings. A value that is not a number (a quantile or mean
// with no call in the window) is zero, as in scrape.Stats. Label values
// are kept as sent; whoever displays them strips escape sequences.
package promql
