package introspect

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Paging of GET /debug/kit/v1/exchanges.
const (
	// DefaultExchangeLimit is the page size of /exchanges when limit is
	// not given.
	DefaultExchangeLimit = 100
	// MaxExchangeLimit caps limit on /exchanges; larger values are
	// lowered to it.
	MaxExchangeLimit = 1000
)

// Response headers of GET /debug/kit/v1/exchanges: the page's place in the
// ring, since the body is a kitrec session with no room for it.
const (
	// HeaderExchangesNext is the cursor to pass as after= for the next page.
	HeaderExchangesNext = "Kit-Exchanges-Next"
	// HeaderExchangesMore is "true" when limit cut the page short: more
	// matching exchanges follow Next.
	HeaderExchangesMore = "Kit-Exchanges-More"
	// HeaderExchangesDropped counts exchanges after after= that left the
	// ring before this read (matching the filters or not).
	HeaderExchangesDropped = "Kit-Exchanges-Dropped"
	// HeaderExchangesCount is how many exchanges the body holds.
	HeaderExchangesCount = "Kit-Exchanges-Count"
)

// ExchangesContentType is the media type of an /exchanges answer: JSON
// Lines holding a kitrec session (docs/recording-format.md).
const ExchangesContentType = "application/jsonl"

// ExchangeQuery selects exchanges: the filters of GET /exchanges. The zero
// value selects every exchange the source holds, from the oldest, up to
// the source's own page size.
type ExchangeQuery struct {
	// After keeps exchanges whose cursor is greater; zero means from the
	// oldest.
	After uint64
	// Since and Until bound when an exchange started: Since ≤ start <
	// Until. A zero time is no bound.
	Since, Until time.Time
	// Endpoint keeps exchanges of that endpoint ("GetBook") or full gRPC
	// method ("/pkg.Service/GetBook"); empty keeps all.
	Endpoint string
	// Failed keeps only failures: calls the service answered with a
	// status of 500 or above, or the gRPC codes kit maps to them.
	Failed bool
	// Trace keeps the exchanges of one W3C trace id (32 hex digits);
	// empty keeps all.
	Trace string
	// Limit is the most exchanges to return; zero or less means
	// DefaultExchangeLimit.
	Limit int
}

// ExchangePage says where a page of exchanges stands in the source.
type ExchangePage struct {
	// Count is how many exchanges were written.
	Count int
	// Next is the cursor to pass as After for the following page (After
	// itself when the source holds nothing newer).
	Next uint64
	// More says Limit cut the page short.
	More bool
	// Dropped counts exchanges after After that left the source before
	// this read.
	Dropped uint64
}

// ExchangeSource is a service's store of recent exchanges (recorder/capture's
// Ring is one). kit defines the interface and never the store, so a service
// that keeps no exchanges pulls in nothing for them.
type ExchangeSource interface {
	// WriteExchanges writes the exchanges matching q to w, oldest first,
	// as a kitrec session: a header line, then one exchange a line, each
	// redacted before it is written (raw bytes never reach w). It must not
	// block the calls being recorded for longer than a copy of one
	// exchange.
	WriteExchanges(w io.Writer, q ExchangeQuery) (ExchangePage, error)
}

// SetExchanges sets the source of recent exchanges (at most one). Without
// one, /exchanges answers 404.
func (r *Registry) SetExchanges(s ExchangeSource) {
	r.mu.Lock()
	r.exchanges = s
	r.mu.Unlock()
}

func (r *Registry) exchangeSource() ExchangeSource {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.exchanges
}

// serveExchanges answers GET /exchanges: the query parsed, the source's
// session buffered (so a failure is still a proper error), the page's
// place in the response headers.
func (h *Handler) serveExchanges(w http.ResponseWriter, r *http.Request) {
	src := h.reg.exchangeSource()
	if src == nil {
		writeError(w, http.StatusNotFound, "this instance keeps no exchanges: install recorder/capture's Ring and register it with Registry.SetExchanges", "")
		return
	}
	q, param, msg := parseExchangeQuery(r, time.Now())
	if param != "" {
		writeError(w, http.StatusBadRequest, msg, param)
		return
	}
	var body bytes.Buffer
	page, err := src.WriteExchanges(&body, q)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "cannot read the exchanges", "")
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", ExchangesContentType)
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set(HeaderExchangesNext, strconv.FormatUint(page.Next, 10))
	hdr.Set(HeaderExchangesMore, strconv.FormatBool(page.More))
	hdr.Set(HeaderExchangesDropped, strconv.FormatUint(page.Dropped, 10))
	hdr.Set(HeaderExchangesCount, strconv.Itoa(page.Count))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = body.WriteTo(w)
	}
}

// parseExchangeQuery reads the query parameters of /exchanges; param and
// msg name the first bad one. since and until take an RFC 3339 time or a
// duration before now ("5m").
func parseExchangeQuery(r *http.Request, now time.Time) (q ExchangeQuery, param, msg string) {
	v := r.URL.Query()
	if s := v.Get("after"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return q, "after", "after must be a non-negative integer cursor"
		}
		q.After = n
	}
	q.Limit = DefaultExchangeLimit
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return q, "limit", "limit must be a positive integer"
		}
		q.Limit = min(n, MaxExchangeLimit)
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"since", &q.Since}, {"until", &q.Until}} {
		s := v.Get(p.name)
		if s == "" {
			continue
		}
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			*p.dst = t
			continue
		}
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return q, p.name, p.name + " must be an RFC 3339 time or a non-negative duration before now, e.g. 5m"
		}
		*p.dst = now.Add(-d)
	}
	if s := v.Get("failed"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return q, "failed", "failed must be true or false"
		}
		q.Failed = b
	}
	q.Endpoint = v.Get("endpoint")
	if q.Trace = v.Get("trace"); q.Trace != "" && !isTraceID(q.Trace) {
		return q, "trace", "trace must be a W3C trace id: 32 lower-case hex digits"
	}
	return q, "", ""
}

func isTraceID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
