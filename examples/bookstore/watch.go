package bookstore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/kitbench/kitbench/kit/transport"
)

// DefaultWatchBuffer is how many changes a subscriber of a Store may have
// waiting, unless WatchBuffer says otherwise.
const DefaultWatchBuffer = 256

// EventType says what a BookEvent tells about its book.
type EventType uint8

// Event types, in the order a watch sees them: the existing books, one
// EventCaughtUp, then the changes.
const (
	EventExisting EventType = iota + 1 // the book was there when the watch started
	EventCaughtUp                      // every existing book was sent; no book
	EventCreated                       // the book was created
	EventDeleted                       // the book was deleted; Book is as it was
)

// BookEvent is one message of a watch.
type BookEvent struct {
	Type EventType `json:"type"`
	Book Book      `json:"book"`
}

// ErrWatchFellBehind is wrapped by the error a watch ends with when its
// subscriber let more than the store's watch buffer of changes pile up:
// the store dropped it rather than wait for it. Its status is 429, which
// gRPC sends as ResourceExhausted.
var ErrWatchFellBehind = errors.New("bookstore: watch fell behind the store")

// Subscription is one subscriber of a Store's change feed: the books the
// store held when it subscribed, and every change since, in order.
type Subscription struct {
	// Current are the books the store held when Subscribe returned, in
	// creation order. Changes after that moment come from Next.
	Current []Book

	f       *feed
	ch      chan BookEvent
	dropped chan struct{} // closed when the store drops the subscriber
}

// Subscribe registers a subscriber with the change feed and returns it with
// the books the store holds now, so that no change is missed or seen
// twice. Each subscriber has a buffer of changes (WatchBuffer); a
// subscriber whose buffer is full when a change happens is dropped — the
// store never waits for one — and its Next returns an error wrapping
// ErrWatchFellBehind. Close the subscription when done with it.
func (s *Store) Subscribe() *Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := &Subscription{
		Current: make([]Book, 0, len(s.order)),
		f:       &s.feed,
		ch:      make(chan BookEvent, s.feed.buffer),
		dropped: make(chan struct{}),
	}
	for _, id := range s.order {
		sub.Current = append(sub.Current, s.books[id])
	}
	s.feed.add(sub)
	return sub
}

// Next returns the next change. It returns an error wrapping
// ErrWatchFellBehind once the store dropped the subscriber (without
// handing out the changes still buffered, which a slow reader would take
// long to drain), and context.Cause(ctx) when ctx ends first.
func (sub *Subscription) Next(ctx context.Context) (BookEvent, error) {
	select {
	case <-sub.dropped:
		return BookEvent{}, sub.fellBehind()
	default:
	}
	select {
	case ev := <-sub.ch:
		return ev, nil
	case <-sub.dropped:
		return BookEvent{}, sub.fellBehind()
	case <-ctx.Done():
		return BookEvent{}, context.Cause(ctx)
	}
}

func (sub *Subscription) fellBehind() error {
	return &transport.Error{
		Status: http.StatusTooManyRequests,
		Msg: fmt.Sprintf("watch dropped: it fell more than %d changes behind the store; "+
			"watch again (a new watch starts with the current books)", cap(sub.ch)),
		Err: ErrWatchFellBehind,
	}
}

// Close unsubscribes; changes are no longer buffered for it. Closing twice,
// or after the store dropped the subscriber, does nothing.
func (sub *Subscription) Close() { sub.f.remove(sub) }

// feed is a Store's set of subscribers. publish runs with the Store's
// write lock held; add and remove take feed's own lock, so Close does not
// need the Store's.
type feed struct {
	buffer int
	mu     sync.Mutex
	subs   map[*Subscription]struct{}
}

func (f *feed) add(sub *Subscription) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.subs == nil {
		f.subs = make(map[*Subscription]struct{})
	}
	f.subs[sub] = struct{}{}
}

func (f *feed) remove(sub *Subscription) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.subs, sub)
}

// publish hands ev to every subscriber without blocking: one whose buffer
// is full is dropped.
func (f *feed) publish(ev BookEvent) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for sub := range f.subs {
		select {
		case sub.ch <- ev:
		default:
			delete(f.subs, sub)
			close(sub.dropped)
		}
	}
}

// subscribers returns how many subscribers the feed has.
func (f *feed) subscribers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}
