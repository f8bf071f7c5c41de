package introspect

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/kitbench/kitbench/internal/backoff"

	wire "github.com/kitbench/kitbench/kit/introspect"
)

// Mode says how Follow is getting news from an instance.
type Mode string

// Modes reported by Follow.
const (
	// ModeStream: connected, events arrive over /events.
	ModeStream Mode = "stream"
	// ModePoll: connected, but /events is unavailable, so breakers,
	// limiters and spans are polled every Interval.
	ModePoll Mode = "poll"
	// ModeDown: the last attempt failed (Update.Err says why); Follow
	// retries with backoff.
	ModeDown Mode = "down"
)

// Kind says which field of an Update is set.
type Kind uint8

// Kinds of Update.
const (
	KindStatus   Kind = iota + 1 // Mode changed; Err explains ModeDown or why polling
	KindInfo                     // Info was (re)read
	KindBreakers                 // Breakers is the full current list
	KindLimiters                 // Limiters is the full current list
	KindEvent                    // Event came from the stream
	KindSpans                    // Spans were fetched by polling or catch-up
	KindProblem                  // Err is a non-fatal problem (a bad event); following goes on
)

// Update is one thing Follow learned about the instance. Mode is always
// the current mode; the other fields depend on Kind. Updates are the
// receiver's; Follow keeps no reference to them.
type Update struct {
	Kind     Kind
	Mode     Mode
	Err      error
	Info     wire.Info
	Breakers []wire.Breaker
	Limiters []wire.Limiter
	Event    wire.Event
	Spans    []wire.Span
	// Dropped counts spans that left the instance's ring before they
	// could be fetched (KindSpans only).
	Dropped uint64
}

// maxCatchUpPages bounds the /spans pages read per refresh, so a huge
// backlog is fetched over several intervals instead of in one burst.
const maxCatchUpPages = 8

// streamRetryEvery is how many intervals Follow polls before trying the
// event stream again.
const streamRetryEvery = 20

// Follow watches the instance until ctx ends, calling emit (from one
// goroutine, never concurrently) with each update, and returns ctx's error.
//
// It reads /info, opens /events, catches up on spans after the cursor
// after, and then refreshes breakers and limiters every Interval; each
// refresh is also a health probe. When /events is unavailable (404, not an
// event stream, or the stream broke while the instance still answers) it
// polls spans and /info too (emitting /info again when its controls in
// force changed, as it does after the stream dropped events) and retries
// the stream now and then. When the instance
// stops answering it reports ModeDown at once and reconnects with jittered
// exponential backoff, resuming spans from the last cursor it saw (from the
// start if the instance restarted).
func (c *Client) Follow(ctx context.Context, after uint64, emit func(Update)) error {
	f := &follower{c: c, emit: emit, cursor: after}
	failures := 0
	for {
		connected, err := f.session(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if connected {
			failures = 0
		}
		failures++
		f.status(ModeDown, err)
		if !backoff.Sleep(ctx, backoff.Delay(c.opts.BackoffMin, c.opts.BackoffMax, failures)) {
			return ctx.Err()
		}
	}
}

type follower struct {
	c      *Client
	emit   func(Update)
	mode   Mode
	cursor uint64
	id     string    // instance id seen in /info
	start  time.Time // start time seen in /info
	// The last refresh's lists, and whether they differed from the one
	// before, for Options.Pace.
	breakers []wire.Breaker
	limiters []wire.Limiter
	changed  bool
	// controls are the controls in force as /info last said.
	controls []wire.Control
}

func (f *follower) status(m Mode, err error) {
	f.mode = m
	f.emit(Update{Kind: KindStatus, Mode: m, Err: err})
}

// session connects once and follows until something fails; connected
// says whether it got as far as reading /info.
func (f *follower) session(ctx context.Context) (connected bool, err error) {
	info, err := f.c.Info(ctx)
	if err != nil {
		return false, err
	}
	if info.InstanceID != f.id || !info.StartTime.Equal(f.start) {
		if f.id != "" || !f.start.IsZero() {
			f.cursor = 0 // a new process: its ring starts over
		}
		f.id, f.start = info.InstanceID, info.StartTime
	}
	st, serr := f.c.openStream(ctx)
	if serr != nil && !errors.Is(serr, ErrNoStream) {
		return true, serr
	}
	defer func() {
		if st != nil {
			st.close()
		}
	}()
	mode := ModeStream
	if st == nil {
		mode = ModePoll
	}
	f.controls = info.Controls
	f.emit(Update{Kind: KindInfo, Mode: f.mode, Info: info})
	if err := f.refresh(ctx, true); err != nil {
		return true, err
	}
	f.status(mode, serr)

	tick := time.NewTimer(f.next(true))
	defer tick.Stop()
	ticks := 0
	var items <-chan streamItem
	if st != nil {
		items = st.items
	}
	for {
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		case it := <-items:
			if !it.final {
				f.event(ctx, it)
				continue
			}
			// The stream is over. If the instance still answers, poll
			// until the stream can be opened again.
			st.close()
			st, items = nil, nil
			reason := it.err
			if reason == nil {
				reason = errors.New("the server closed it")
			}
			if err := f.refresh(ctx, true); err != nil {
				return true, err
			}
			f.status(ModePoll, fmt.Errorf("introspect: event stream from %s ended: %w", f.c.base, reason))
			ticks = 0
		case <-tick.C:
			ticks++
			if st == nil && ticks%streamRetryEvery == 0 {
				if s, err := f.c.openStream(ctx); err == nil {
					st, items = s, s.items
					f.status(ModeStream, nil)
				}
			}
			if st == nil {
				if err := f.pollInfo(ctx); err != nil {
					return true, err
				}
			}
			if err := f.refresh(ctx, st == nil); err != nil {
				return true, err
			}
			tick.Reset(f.next(f.changed))
		}
	}
}

// next is the wait before the following refresh.
func (f *follower) next(changed bool) time.Duration {
	if f.c.opts.Pace == nil {
		return f.c.opts.Interval
	}
	return f.c.opts.Pace(changed)
}

// refresh reads breakers and limiters and, when spans is true, the spans
// after the cursor.
func (f *follower) refresh(ctx context.Context, spans bool) error {
	bs, err := f.c.Breakers(ctx)
	if err != nil {
		return err
	}
	ls, err := f.c.Limiters(ctx)
	if err != nil {
		return err
	}
	f.changed = !slices.Equal(bs, f.breakers) || !slices.Equal(ls, f.limiters)
	f.breakers, f.limiters = bs, ls
	f.emit(Update{Kind: KindBreakers, Mode: f.mode, Breakers: slices.Clone(bs)})
	f.emit(Update{Kind: KindLimiters, Mode: f.mode, Limiters: slices.Clone(ls)})
	if spans {
		return f.catchUp(ctx)
	}
	return nil
}

// pollInfo re-reads /info when no event stream says what changed (while
// polling, or after the stream dropped events) and emits it when the
// controls in force changed: one set, cleared or expired in between.
func (f *follower) pollInfo(ctx context.Context) error {
	info, err := f.c.Info(ctx)
	if err != nil {
		return err
	}
	if reflect.DeepEqual(info.Controls, f.controls) {
		return nil
	}
	f.controls = info.Controls
	f.emit(Update{Kind: KindInfo, Mode: f.mode, Info: info})
	return nil
}

// catchUp fetches spans after the cursor, a bounded number of pages.
func (f *follower) catchUp(ctx context.Context) error {
	for range maxCatchUpPages {
		page, err := f.c.Spans(ctx, f.cursor, 0)
		if err != nil {
			return err
		}
		if len(page.Spans) > 0 || page.Dropped > 0 {
			f.emit(Update{Kind: KindSpans, Mode: f.mode, Spans: page.Spans, Dropped: page.Dropped})
		}
		if len(page.Spans) == 0 {
			// An empty ring, or a restarted one below our cursor.
			f.cursor = min(f.cursor, page.Next)
			return nil
		}
		f.cursor = page.Next
	}
	return nil
}

// event handles one item from the stream.
func (f *follower) event(ctx context.Context, it streamItem) {
	if it.err != nil {
		f.emit(Update{Kind: KindProblem, Mode: f.mode, Err: it.err})
		return
	}
	switch it.ev.Type {
	case wire.EventSpan:
		if it.ev.Span == nil {
			f.emit(Update{Kind: KindProblem, Mode: f.mode, Err: fmt.Errorf("%w: span event without a span", ErrBadResponse)})
			return
		}
		if it.ev.Span.Cursor != 0 && it.ev.Span.Cursor <= f.cursor {
			return // already fetched by catch-up
		}
		f.cursor = max(f.cursor, it.ev.Span.Cursor)
	case wire.EventDropped:
		// The server discarded events meant for us: fetch the spans
		// among them; breakers and limiters refresh on the next tick.
		if err := f.catchUp(ctx); err != nil {
			f.emit(Update{Kind: KindProblem, Mode: f.mode, Err: err})
		}
		if err := f.pollInfo(ctx); err != nil { // control events may be among them
			f.emit(Update{Kind: KindProblem, Mode: f.mode, Err: err})
		}
	case wire.EventBreaker, wire.EventLimiter:
		if it.ev.Breaker == nil && it.ev.Limiter == nil {
			f.emit(Update{Kind: KindProblem, Mode: f.mode, Err: fmt.Errorf("%w: %s event without a payload", ErrBadResponse, it.ev.Type)})
			return
		}
	}
	f.emit(Update{Kind: KindEvent, Mode: f.mode, Event: it.ev})
}
