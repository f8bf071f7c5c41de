package introspect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
)

// ErrNoExchanges reports an instance that keeps no exchanges: it answers
// /exchanges with 404 (no ring installed, or a service older than the
// resource). It is a state, not a failure.
var ErrNoExchanges = errors.New("introspect: instance keeps no exchanges")

// Bounds of an /exchanges read, which may be much larger than the other
// resources.
const (
	// DefaultMaxExchanges caps one /exchanges answer (64 MiB); Options.MaxBody
	// raises it when larger.
	DefaultMaxExchanges = 64 << 20
	// exchangesTimeout is the least time an /exchanges read is given.
	exchangesTimeout = 10 * time.Second
)

// ExchangesPage is one page of an instance's recent exchanges.
type ExchangesPage struct {
	// Session is a kitrec session (docs/recording-format.md): a header
	// line, then one redacted exchange a line.
	Session []byte
	// Page says where the page stands: Next is the cursor for the
	// following page, More whether the limit cut it short.
	wire.ExchangePage
}

// Exchanges reads one page of /exchanges matching q (q.Limit zero or less
// means the server's default). An instance without the resource is
// ErrNoExchanges.
func (c *Client) Exchanges(ctx context.Context, q wire.ExchangeQuery) (ExchangesPage, error) {
	v := url.Values{}
	if q.After > 0 {
		v.Set("after", strconv.FormatUint(q.After, 10))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if !q.Since.IsZero() {
		v.Set("since", q.Since.UTC().Format(time.RFC3339Nano))
	}
	if !q.Until.IsZero() {
		v.Set("until", q.Until.UTC().Format(time.RFC3339Nano))
	}
	if q.Failed {
		v.Set("failed", "true")
	}
	if q.Endpoint != "" {
		v.Set("endpoint", q.Endpoint)
	}
	if q.Trace != "" {
		v.Set("trace", q.Trace)
	}
	u := c.base + wire.PathPrefix + "/exchanges"
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	ctx, cancel := context.WithTimeout(ctx, max(c.opts.Timeout, exchangesTimeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return ExchangesPage{}, fmt.Errorf("%w %q: %v", ErrBadURL, u, err)
	}
	c.authorize(req)
	req.Header.Set("Accept", wire.ExchangesContentType)
	resp, err := c.hc.Do(req)
	if err != nil {
		return ExchangesPage{}, fmt.Errorf("introspect: GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return ExchangesPage{}, fmt.Errorf("%w: %s answers 404 (no exchange ring installed, or an older service)", ErrNoExchanges, c.base)
	}
	if err := c.statusError(u, resp); err != nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return ExchangesPage{}, err
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != wire.ExchangesContentType {
		return ExchangesPage{}, fmt.Errorf("%w: %s: content type %q, want %s", ErrBadResponse, u, mt, wire.ExchangesContentType)
	}
	var page ExchangesPage
	if page.ExchangePage, err = pageHeaders(resp.Header); err != nil {
		return ExchangesPage{}, fmt.Errorf("%w: %s: %v", ErrBadResponse, u, err)
	}
	body := limitedBuffer{max: max(c.opts.MaxBody, DefaultMaxExchanges)}
	if _, err := io.Copy(&body, resp.Body); err != nil {
		if errors.Is(err, ErrTooLarge) {
			return ExchangesPage{}, fmt.Errorf("%w: %s: body over %d bytes; ask for fewer with a limit", ErrTooLarge, u, body.max)
		}
		return ExchangesPage{}, fmt.Errorf("introspect: GET %s: reading body: %w", u, err)
	}
	page.Session = body.b
	return page, nil
}

// pageHeaders reads the page's place from the response headers.
func pageHeaders(h http.Header) (wire.ExchangePage, error) {
	var p wire.ExchangePage
	var err error
	if p.Next, err = strconv.ParseUint(h.Get(wire.HeaderExchangesNext), 10, 64); err != nil {
		return p, fmt.Errorf("header %s: %v", wire.HeaderExchangesNext, err)
	}
	p.More = h.Get(wire.HeaderExchangesMore) == "true"
	p.Dropped, _ = strconv.ParseUint(h.Get(wire.HeaderExchangesDropped), 10, 64)
	p.Count, _ = strconv.Atoi(h.Get(wire.HeaderExchangesCount))
	return p, nil
}
