package scrape

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Defaults of a Scraper built with no options.
const (
	// DefaultTimeout bounds one scrape, from dialling to the last byte.
	DefaultTimeout = 5 * time.Second
	// DefaultMaxBytes is the largest page, after decompression, a Scraper
	// reads: 16 MiB, about 200 000 series of a typical exposition.
	DefaultMaxBytes = 16 << 20
	// DefaultMaxSeries is the most series a page may hold. A series is a
	// sample line in the sense of Prometheus's sample_limit: each bucket,
	// quantile, _sum and _count of a histogram or summary counts as one.
	DefaultMaxSeries = 200_000
)

// Sentinel errors. Scrape wraps them with the URL and the details, so
// test with errors.Is.
var (
	// ErrStatus means the target answered with a status other than 200.
	ErrStatus = errors.New("unexpected HTTP status")
	// ErrContentType means the page is in no exposition format this
	// package decodes (for instance an HTML page).
	ErrContentType = errors.New("unsupported content type")
	// ErrTooLarge means the page is larger than the Scraper's byte limit.
	ErrTooLarge = errors.New("metrics page too large")
	// ErrTooManySeries means the page holds more series than the
	// Scraper's series limit.
	ErrTooManySeries = errors.New("too many series")
	// ErrParse means the page is not a valid exposition; the wrapped
	// error names the line when the format has lines.
	ErrParse = errors.New("invalid exposition")
)

// acceptHeader asks for delimited protobuf first (cheapest to decode, no
// escaping of names), then the text format. OpenMetrics is not asked for:
// expfmt decodes it far more slowly, but a page served in it anyway is
// decoded.
const acceptHeader = `application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;escaping=allow-utf-8;q=0.7,` +
	`text/plain;version=0.0.4;escaping=allow-utf-8;q=0.5,*/*;q=0.1`

// Scraper fetches and decodes Prometheus metrics pages. Build one with New;
// the zero value is not usable. A Scraper is safe for concurrent use.
type Scraper struct {
	client    *http.Client
	owned     *http.Transport // closed by Close; nil when WithClient was used
	timeout   time.Duration
	maxBytes  int64
	maxSeries int
	now       func() time.Time
	pool      sync.Pool // of *[]byte chunks of chunkSize
}

// Option configures New.
type Option func(*Scraper)

// WithClient makes the Scraper send its requests with c, for instance to
// add TLS settings or authentication. Limits still apply. Close does not
// touch c. A nil c (the default) means a Scraper-owned client that goes
// to the target directly, ignoring proxy environment variables.
func WithClient(c *http.Client) Option {
	return func(s *Scraper) {
		if c != nil {
			s.client, s.owned = c, nil
		}
	}
}

// WithTimeout bounds each scrape to d, on top of the context given to
// Scrape. Zero or less means the context alone bounds it. Without this
// option the bound is DefaultTimeout.
func WithTimeout(d time.Duration) Option {
	return func(s *Scraper) { s.timeout = d }
}

// WithMaxBytes sets the largest page, after decompression, a scrape reads
// before it fails with ErrTooLarge. Zero or less means DefaultMaxBytes.
// Memory held by one scrape is bounded by about this many bytes plus the
// decoded page.
func WithMaxBytes(n int64) Option {
	return func(s *Scraper) {
		if n <= 0 {
			n = DefaultMaxBytes
		}
		s.maxBytes = n
	}
}

// WithMaxSeries sets the most series a page may hold before a scrape
// fails with ErrTooManySeries. Zero or less means DefaultMaxSeries.
func WithMaxSeries(n int) Option {
	return func(s *Scraper) {
		if n <= 0 {
			n = DefaultMaxSeries
		}
		s.maxSeries = n
	}
}

// WithClock sets the source of Snapshot.Time, the instant a scrape
// starts. Nil (the default) means time.Now. Tests use it to give
// snapshots exact intervals.
func WithClock(now func() time.Time) Option {
	return func(s *Scraper) {
		if now == nil {
			now = time.Now
		}
		s.now = now
	}
}

// New returns a Scraper with the given options applied over the defaults.
func New(opts ...Option) *Scraper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.MaxIdleConnsPerHost = 2
	s := &Scraper{
		client:    &http.Client{Transport: t},
		owned:     t,
		timeout:   DefaultTimeout,
		maxBytes:  DefaultMaxBytes,
		maxSeries: DefaultMaxSeries,
		now:       time.Now,
	}
	s.pool.New = newChunk
	for _, o := range opts {
		o(s)
	}
	return s
}

// Close releases the idle connections of the Scraper's own client, and
// with them the goroutines that keep them. The Scraper stays usable: a
// later Scrape dials again. It does nothing for a client given with
// WithClient.
func (s *Scraper) Close() {
	if s.owned != nil {
		s.owned.CloseIdleConnections()
	}
}

// RequestOption adjusts one scrape's request; see BearerToken.
type RequestOption func(*http.Request)

// BearerToken sends "Authorization: Bearer <token>" with the scrape, as a
// kit admin listener with a token requires for /metrics. The empty token
// sends none.
func BearerToken(token string) RequestOption {
	return func(r *http.Request) {
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
	}
}

// Scrape fetches the page at target (the full URL, usually ending in
// /metrics), decodes it in the format its Content-Type names and returns
// it as a Snapshot. Errors name the URL and wrap one of the package's
// sentinels, a context error, or the network error; a 401 says whether a
// token was sent.
func (s *Scraper) Scrape(ctx context.Context, target string, opts ...RequestOption) (*Snapshot, error) {
	if s.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, fmt.Errorf("scrape %q: %w", target, err)
	}
	req.Header.Set("Accept", acceptHeader)
	for _, o := range opts {
		o(req)
	}
	at := s.now()
	resp, err := s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // it repeats the URL
		}
		return nil, fmt.Errorf("scrape %s: %w", target, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		why := "no bearer token was sent"
		if req.Header.Get("Authorization") != "" {
			why = "the bearer token was refused"
		}
		return nil, fmt.Errorf("scrape %s: %w %q: %s", target, ErrStatus, resp.Status, why)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape %s: %w %q", target, ErrStatus, resp.Status)
	}
	ct := resp.Header.Get("Content-Type")
	format, ok := formatOf(ct)
	if !ok {
		return nil, fmt.Errorf("scrape %s: %w %q", target, ErrContentType, ct)
	}
	if resp.ContentLength > s.maxBytes {
		return nil, fmt.Errorf("scrape %s: %w: Content-Length %d exceeds the limit of %d bytes",
			target, ErrTooLarge, resp.ContentLength, s.maxBytes)
	}
	body := &page{}
	defer s.release(body)
	if err := s.readBody(resp, format, body); err != nil {
		return nil, fmt.Errorf("scrape %s: %w", target, err)
	}
	fams, series, err := decode(body, format, s.maxSeries)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", target, err)
	}
	return newSnapshot(target, at, format, body.size, series, fams), nil
}
