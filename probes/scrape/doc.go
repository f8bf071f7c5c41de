// Package scrape reads Prometheus metrics pages and turns two successive
// pages of a kit service into the figures an operator looks at: request
// rate, error ratio and latency quantiles per endpoint and per instance,
// circuit-breaker states and rate-limiter rejections. Calls that did not
// succeed are split as kit/transport classifies them (ClassOfCode): the
// failure ratio counts the service's own failures (5xx), the client-error
// share the requests it refused as the client's (4xx), and calls the
// caller gave up on (499: its cancellation or its own deadline) count in
// neither; a health view shows the first, as breakers and outlier ejection
// count only those. Latency comes with its exact mean and the histogram's
// floor: a quantile in the lowest bucket is not resolved
// (EndpointStats.Resolved), and a view shows it as "<500µs" rather than a
// number interpolated inside the bucket.
//
// It reads the exposition of any Prometheus client, not only kit's: a
// Snapshot holds every decoded family (client_model's dto types, as
// expfmt produces them), and kit's figures are derived only when the page
// carries kit's metric names (see kit/metrics). A scraper that trusts the
// page it reads is a scraper one bad target can take down, so every
// scrape is bounded in time, bytes and series, and a bad page is an error
// that says which URL sent what, never a panic or a runaway allocation.
//
// # Usage
//
//	s := scrape.New()
//	defer s.Close()
//	prev, err := s.Scrape(ctx, "http://127.0.0.1:9090/metrics")
//	...
//	cur, err := s.Scrape(ctx, "http://127.0.0.1:9090/metrics")
//	stats := scrape.Derive(prev, cur)
//	for _, e := range stats.Endpoints {
//		fmt.Printf("%s %s %.1f/s %.0f%% p99=%v\n", e.Endpoint, e.Transport, e.Rate, 100*e.ErrorRatio, e.P99)
//	}
//
// Derive is a pure function of two snapshots: the caller (the hub) keeps
// the previous snapshot of each instance and decides how often to scrape.
// Keep it as prev.Compact(): a decoded page of 5 000 series holds about
// 1 MiB, its compact form only kit's totals (about 0.7 KiB per endpoint).
//
// # Formats
//
// Requests ask for delimited protobuf, then the text format (both with
// UTF-8 names allowed). The response's Content-Type decides how it is
// decoded (expfmt.ResponseFormat): protobuf, text (the parser is built
// with UTF-8 validation, so labels and UTF-8 names are accepted) or
// OpenMetrics 0.0.1/1.0.0. A missing Content-Type is read as text; any
// other type, such as an HTML error page, is refused with ErrContentType.
//
// # Concurrency
//
// A Scraper is safe for concurrent use; it starts no goroutine of its
// own, but its HTTP client keeps idle connections, which Close releases.
// It reads pages into 32 KiB buffers it reuses across scrapes.
// Snapshots are never modified after Scrape returns them and may be
// shared freely; treat them as read-only.
//
// # Failure behaviour
//
// Each scrape is bounded by a timeout (DefaultTimeout), a byte limit on
// the decompressed page (DefaultMaxBytes; a declared Content-Length above
// it fails before any byte is read, otherwise reading stops one byte past
// it) and a series limit (DefaultMaxSeries; for line-based formats it is
// checked while the page arrives, before parsing). Memory held by a
// failing scrape is bounded by the byte limit, whatever the size of the
// page. Errors wrap ErrStatus, ErrContentType, ErrTooLarge,
// ErrTooManySeries or ErrParse (whose message names the line), or the
// network or context error, and always name the URL.
//
// Label values are kept exactly as sent, including terminal escape
// sequences and other control characters: they are data, and this
// package does not render anything. Whoever displays them (the ui
// packages) strips escape sequences first. Errors quote remote strings
// with %q, so an error message is safe to print.
package scrape
