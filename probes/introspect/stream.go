package introspect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
)

// ErrNoStream reports that an admin listener does not offer /events as a
// server-sent event stream (a 404, or another content type); Follow polls
// instead.
var ErrNoStream = errors.New("introspect: no event stream")

// ErrStreamIdle reports an event stream that sent nothing, not even a
// heartbeat, for Options.StreamIdle: the server hung, or the network
// between went silent.
var ErrStreamIdle = errors.New("introspect: event stream went silent")

// DefaultStreamIdle is Options.StreamIdle's zero value: three missed
// heartbeats of a kit admin listener's default (15 s), as the protocol
// suggests.
const DefaultStreamIdle = 45 * time.Second

// streamItem is one decoded event, or the error that ended or upset the
// stream.
type streamItem struct {
	ev    wire.Event
	err   error
	final bool // the stream is over; err says why (nil: closed cleanly)
}

// streamQueue is how many decoded events wait for Follow: a few, so that
// a burst does not stall the reader, and little held by each of the
// thousands of idle streams a fleet keeps open.
const streamQueue = 4

// stream is an open /events connection read by a goroutine it owns.
type stream struct {
	items  chan streamItem
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// close ends the connection and waits for its reader.
func (s *stream) close() {
	s.cancel()
	s.wg.Wait()
}

// openStream connects to /events. An error wrapping ErrNoStream means the
// listener answered but offers no stream; any other error means it did not
// answer usefully.
func (c *Client) openStream(ctx context.Context) (*stream, error) {
	if c.opts.StreamDial != nil && strings.HasPrefix(c.base, "http://") {
		return c.openRawStream(ctx, c.base+wire.PathPrefix+"/events")
	}
	// sctx is the stream's life, ended by close; rctx is the request's,
	// also ended by the wait for headers and, once reading, by silence.
	sctx, cancel := context.WithCancel(ctx)
	rctx, abort := context.WithCancel(sctx)
	u := c.base + wire.PathPrefix + "/events"
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u, nil)
	if err != nil {
		abort()
		cancel()
		return nil, fmt.Errorf("%w %q: %v", ErrBadURL, u, err)
	}
	c.authorize(req)
	req.Header.Set("Accept", "text/event-stream")
	// The timeout covers the wait for headers only; the body is a stream,
	// bounded by its idle time instead.
	headers := time.AfterFunc(c.opts.Timeout, abort)
	resp, err := c.hc.Do(req)
	if !headers.Stop() {
		cancel()
		if err == nil {
			resp.Body.Close()
		}
		return nil, fmt.Errorf("introspect: GET %s: no headers within %v", u, c.opts.Timeout)
	}
	if err != nil {
		cancel()
		return nil, fmt.Errorf("introspect: GET %s: %w", u, err)
	}
	if err := c.streamAnswer(u, resp); err != nil {
		resp.Body.Close()
		cancel()
		return nil, err
	}
	return c.startStream(sctx, cancel, resp.Body, abort), nil
}

// streamAnswer checks the answer to a request for /events: an error
// wrapping ErrNoStream, or ErrUnauthorized, when it is not an event
// stream (its body then drained a little).
func (c *Client) streamAnswer(u string, resp *http.Response) error {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode == http.StatusOK && mt == "text/event-stream" {
		return nil
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode == http.StatusUnauthorized {
		return c.unauthorized(u)
	}
	return fmt.Errorf("%w at %s: HTTP %d, content type %q", ErrNoStream, u, resp.StatusCode, mt)
}

// startStream starts the reader of an answered stream; cancel ends ctx,
// abort must make body's Read return.
func (c *Client) startStream(ctx context.Context, cancel context.CancelFunc, body io.ReadCloser, abort func()) *stream {
	idle := c.opts.StreamIdle
	if idle <= 0 {
		idle = DefaultStreamIdle
	}
	s := &stream{items: make(chan streamItem, streamQueue), cancel: cancel}
	s.wg.Add(1)
	go s.read(ctx, body, c.opts.MaxEvent, idle, abort)
	return s
}

// read decodes events until the stream ends, then sends a final item. When
// nothing arrives for idle it calls abort, which must make body's Read
// return, and ends the stream with ErrStreamIdle.
func (s *stream) read(ctx context.Context, body io.ReadCloser, maxEvent int, idle time.Duration, abort func()) {
	defer s.wg.Done()
	defer body.Close()
	var silent atomic.Bool
	timer := time.AfterFunc(idle, func() {
		silent.Store(true)
		abort()
	})
	defer timer.Stop()
	body = idleReader{body, timer, idle}
	send := func(it streamItem) bool {
		select {
		case s.items <- it:
			return true
		case <-ctx.Done():
			return false
		}
	}
	r := newSSEReader(body, maxEvent)
	for {
		raw, err := r.next()
		if err != nil {
			if errors.Is(err, ErrTooLarge) {
				if !send(streamItem{err: err}) {
					return
				}
				continue
			}
			switch {
			case errors.Is(err, io.EOF):
				err = nil
			case ctx.Err() != nil:
				return
			case silent.Load():
				err = fmt.Errorf("%w: nothing, not even a heartbeat, for %v", ErrStreamIdle, idle)
			}
			send(streamItem{err: err, final: true})
			return
		}
		var ev wire.Event
		if err := json.Unmarshal(raw.data, &ev); err != nil {
			if !send(streamItem{err: fmt.Errorf("%w: event %q (id %s) is not protocol JSON: %v", ErrBadResponse, raw.typ, raw.id, err)}) {
				return
			}
			continue
		}
		if ev.Type == "" {
			ev.Type = raw.typ
		}
		if !send(streamItem{ev: ev}) {
			return
		}
	}
}

// idleReader re-arms the idle timer whenever bytes arrive.
type idleReader struct {
	io.ReadCloser
	t *time.Timer
	d time.Duration
}

func (r idleReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	if n > 0 {
		r.t.Reset(r.d)
	}
	return n, err
}
