package introspect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
)

// Sentinel errors; every error the Client returns wraps one of them or a
// transport error from net/http.
var (
	// ErrNoAdmin reports an instance that publishes no admin listener
	// (no sd.MetaAdmin metadata). It is a state, not a failure.
	ErrNoAdmin = errors.New("introspect: instance has no admin listener")
	// ErrProtocol reports an admin listener that does not speak protocol
	// v1; the message names the version it does speak when that is known.
	ErrProtocol = errors.New("introspect: unsupported introspection protocol")
	// ErrBadResponse reports an answer that is not what the protocol
	// says: a wrong status, content type or undecodable body.
	ErrBadResponse = errors.New("introspect: bad response")
	// ErrTooLarge reports a response body or server-sent event larger
	// than the configured cap.
	ErrTooLarge = errors.New("introspect: response too large")
	// ErrUnauthorized reports a 401: a bearer token is required or wrong.
	ErrUnauthorized = errors.New("introspect: unauthorized")
	// ErrBadURL reports an admin address that is neither host:port nor an
	// http(s) URL.
	ErrBadURL = errors.New("introspect: bad admin address")
)

// Defaults of Options.
const (
	DefaultTimeout   = time.Second
	DefaultMaxBody   = 4 << 20
	DefaultMaxEvent  = 1 << 20
	DefaultInterval  = 500 * time.Millisecond
	DefaultBackoffLo = 100 * time.Millisecond
	DefaultBackoffHi = 5 * time.Second
	// spanPageLimit is the page size the client asks /spans for.
	spanPageLimit = wire.MaxSpanLimit
)

// Options configure a Client. The zero value is ready to use with the
// defaults documented on each field.
type Options struct {
	// Token is sent as "Authorization: Bearer <Token>". Empty sends none.
	// NewForInstance replaces it for an instance that names its own token
	// (wire.MetaTokenRef).
	Token string
	// Actor names who makes control requests ("alice via kitbench"),
	// sent as wire.ActorHeader and shown in the instance's control
	// events. Empty sends none.
	Actor string
	// LookupEnv reads the environment variables that instances name in
	// wire.MetaTokenRef (NewForInstance). Nil means os.LookupEnv.
	LookupEnv func(name string) (string, bool)
	// Timeout bounds each JSON request and the wait for the headers of the
	// event stream. Zero means DefaultTimeout (1 s).
	Timeout time.Duration
	// StreamIdle is how long the event stream may stay silent (no event,
	// not even the server's heartbeat comment) before Follow counts it as
	// dead (ErrStreamIdle) and falls back to polling. Zero means
	// DefaultStreamIdle (45 s: three of the server's default heartbeats).
	StreamIdle time.Duration
	// MaxBody caps a JSON response body in bytes. Zero means DefaultMaxBody.
	MaxBody int64
	// MaxEvent caps one server-sent event (and one line of the stream) in
	// bytes; a larger event is skipped and reported. Zero means
	// DefaultMaxEvent.
	MaxEvent int
	// Interval is how often Follow refreshes breakers and limiters (and,
	// when polling, spans); every refresh doubles as a health probe. Zero
	// means DefaultInterval (500 ms).
	Interval time.Duration
	// Pace, when set, decides how long Follow waits before each refresh
	// after the first, instead of Interval: it is told whether the
	// previous refresh saw anything change (breakers or limiters), so a
	// caller can refresh idle instances less often and bound the work of
	// a whole fleet. It is called from Follow's goroutine. Nil means every
	// Interval.
	Pace func(changed bool) time.Duration
	// BackoffMin and BackoffMax bound the jittered exponential delay
	// between reconnection attempts. Zero means 100 ms and 5 s.
	BackoffMin, BackoffMax time.Duration
	// HTTPClient makes the requests. Nil means a client of the Client's
	// own, with no overall timeout (requests are bounded by Timeout).
	HTTPClient *http.Client
	// StreamDial, when set, opens the event stream of a plain http admin
	// listener on a connection of the stream's own that it dials, read by
	// the stream's reader alone, instead of through HTTPClient: net/http
	// keeps two goroutines and two buffers for each of its connections,
	// which a workbench holding one stream per instance of a large fleet
	// pays thousands of times. Nil (or an https listener) means through
	// HTTPClient.
	StreamDial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Client reads one instance's introspection protocol v1. It is safe for
// concurrent use and holds no goroutines of its own.
type Client struct {
	base string // scheme://host:port, no trailing slash
	opts Options
	hc   *http.Client
}

// AdminURL returns the admin base URL an instance publishes under
// sd.MetaAdmin, or ErrNoAdmin.
func AdminURL(inst sd.Instance) (string, error) {
	v := strings.TrimSpace(inst.Meta[sd.MetaAdmin])
	if v == "" {
		return "", fmt.Errorf("%w: %s", ErrNoAdmin, inst.ID)
	}
	return v, nil
}

// New returns a Client for the admin listener at admin, either a base URL
// ("http://127.0.0.1:9090") or host:port.
func New(admin string, opts Options) (*Client, error) {
	base, err := normalize(admin)
	if err != nil {
		return nil, err
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.MaxEvent <= 0 {
		opts.MaxEvent = DefaultMaxEvent
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.BackoffMin <= 0 {
		opts.BackoffMin = DefaultBackoffLo
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = DefaultBackoffHi
	}
	opts.BackoffMax = max(opts.BackoffMax, opts.BackoffMin)
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	return &Client{base: base, opts: opts, hc: hc}, nil
}

func normalize(admin string) (string, error) {
	admin = strings.TrimSpace(admin)
	if admin == "" {
		return "", fmt.Errorf("%w: empty", ErrBadURL)
	}
	if !strings.Contains(admin, "://") {
		admin = "http://" + admin
	}
	u, err := url.Parse(admin)
	if err != nil {
		return "", fmt.Errorf("%w %q: %v", ErrBadURL, admin, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%w %q: want host:port or an http(s) URL", ErrBadURL, admin)
	}
	return u.Scheme + "://" + u.Host + strings.TrimRight(u.Path, "/"), nil
}

// Base returns the admin base URL the client talks to.
func (c *Client) Base() string { return c.base }

// Info reads /info and checks the protocol version.
func (c *Client) Info(ctx context.Context) (wire.Info, error) {
	var info wire.Info
	status, err := c.getJSON(ctx, "/info", &info)
	if status == http.StatusNotFound {
		return info, c.otherVersion(ctx)
	}
	if err != nil {
		return info, err
	}
	if info.Protocol != wire.Version {
		return info, fmt.Errorf("%w: %s speaks protocol v%d; this kitbench speaks v%d", ErrProtocol, c.base, info.Protocol, wire.Version)
	}
	return info, nil
}

// otherVersion explains a 404 on /info: another protocol version, or
// something that is not a kit admin listener at all.
func (c *Client) otherVersion(ctx context.Context) error {
	for v := wire.Version + 1; v <= wire.Version+2; v++ {
		u := c.base + "/debug/kit/v" + strconv.Itoa(v) + "/info"
		if st, _ := c.get(ctx, u, io.Discard); st == http.StatusOK {
			return fmt.Errorf("%w: %s speaks protocol v%d; this kitbench speaks v%d", ErrProtocol, c.base, v, wire.Version)
		}
	}
	return fmt.Errorf("%w: %s answers but serves no %s/info (HTTP 404); not a kit admin listener, or an unknown protocol version", ErrProtocol, c.base, wire.PathPrefix)
}

// Breakers reads /breakers.
func (c *Client) Breakers(ctx context.Context) ([]wire.Breaker, error) {
	var out []wire.Breaker
	_, err := c.getJSON(ctx, "/breakers", &out)
	return out, err
}

// Limiters reads /limiters.
func (c *Client) Limiters(ctx context.Context) ([]wire.Limiter, error) {
	var out []wire.Limiter
	_, err := c.getJSON(ctx, "/limiters", &out)
	return out, err
}

// Spans reads one page of /spans: spans with a cursor above after, at most
// limit (zero or less means the server's maximum).
func (c *Client) Spans(ctx context.Context, after uint64, limit int) (wire.SpanPage, error) {
	if limit <= 0 {
		limit = spanPageLimit
	}
	var page wire.SpanPage
	res := "/spans?after=" + strconv.FormatUint(after, 10) + "&limit=" + strconv.Itoa(limit)
	_, err := c.getJSON(ctx, res, &page)
	return page, err
}

// getJSON GETs PathPrefix+res into v, returning the status seen.
func (c *Client) getJSON(ctx context.Context, res string, v any) (int, error) {
	var body limitedBuffer
	body.max = c.opts.MaxBody
	u := c.base + wire.PathPrefix + res
	status, err := c.get(ctx, u, &body)
	if err != nil {
		return status, err
	}
	if err := json.Unmarshal(body.b, v); err != nil {
		return status, fmt.Errorf("%w: %s: not protocol JSON: %v", ErrBadResponse, u, err)
	}
	return status, nil
}

// get fetches u into w with the request timeout and the body cap. Any
// status but 200 is an error; the status is returned either way.
func (c *Client) get(ctx context.Context, u string, w io.Writer) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, fmt.Errorf("%w %q: %v", ErrBadURL, u, err)
	}
	c.authorize(req)
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("introspect: GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	if err := c.statusError(u, resp); err != nil {
		// Drain a little so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return resp.StatusCode, err
	}
	if w == io.Discard {
		return resp.StatusCode, nil
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		return resp.StatusCode, fmt.Errorf("%w: %s: content type %q, want application/json", ErrBadResponse, u, mt)
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		if errors.Is(err, ErrTooLarge) {
			return resp.StatusCode, fmt.Errorf("%w: %s: body over %d bytes", ErrTooLarge, u, c.opts.MaxBody)
		}
		return resp.StatusCode, fmt.Errorf("introspect: GET %s: reading body: %w", u, err)
	}
	return resp.StatusCode, nil
}

// unauthorized is the error for a 401 from u, saying whether a token was
// sent at all.
func (c *Client) unauthorized(u string) error {
	if c.opts.Token == "" {
		return fmt.Errorf("%w: %s requires a bearer token and none was given", ErrUnauthorized, u)
	}
	return fmt.Errorf("%w: %s refused the bearer token given", ErrUnauthorized, u)
}

func (c *Client) authorize(req *http.Request) {
	if c.opts.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.opts.Token)
	}
}

func (c *Client) statusError(u string, resp *http.Response) error {
	switch {
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode == http.StatusUnauthorized:
		return c.unauthorized(u)
	default:
		return fmt.Errorf("%w: %s: HTTP %d", ErrBadResponse, u, resp.StatusCode)
	}
}

// limitedBuffer collects at most max bytes and fails beyond.
type limitedBuffer struct {
	b   []byte
	max int64
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if int64(len(l.b)+len(p)) > l.max {
		return 0, ErrTooLarge
	}
	l.b = append(l.b, p...)
	return len(p), nil
}

// ReadFrom reads r to its end straight into the buffer, failing beyond
// max; io.Copy uses it, so a body needs no 32 KiB copy buffer of its own.
func (l *limitedBuffer) ReadFrom(r io.Reader) (int64, error) {
	start := len(l.b)
	if cap(l.b) == 0 {
		l.b = make([]byte, 0, 512)
	}
	for {
		if len(l.b) == cap(l.b) {
			l.b = slices.Grow(l.b, cap(l.b))
		}
		n, err := r.Read(l.b[len(l.b):cap(l.b)])
		l.b = l.b[:len(l.b)+n]
		read := int64(len(l.b) - start)
		switch {
		case int64(len(l.b)) > l.max:
			return read, ErrTooLarge
		case errors.Is(err, io.EOF):
			return read, nil
		case err != nil:
			return read, err
		}
	}
}
