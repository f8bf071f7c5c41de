package ui

import (
	"context"

	tea "charm.land/bubbletea/v2"
)

// Received carries one value read from a subscription channel by [WaitFor].
// The root model broadcasts it to every view (a view type-switches on
// Received[T] for the T it understands) and then re-arms the subscription
// with [Received.Next], so exactly one read is pending at any time, however
// many views look at the value.
type Received[T any] struct {
	Value T
	next  tea.Cmd
}

// Next returns the command that waits for the following value.
func (r Received[T]) Next() tea.Cmd { return r.next }

// Closed reports that a subscription channel of T was closed by its
// producer. It is broadcast like Received; the root also marks the status
// line stale, because no further updates will come. It is not re-armed.
type Closed[T any] struct{}

func (Closed[T]) subscriptionClosed() {}

// Rearmer is implemented by [Received]: a message that knows the command
// that continues its subscription. The root calls Next after routing it.
type Rearmer interface{ Next() tea.Cmd }

// ClosedSubscription is implemented by [Closed].
type ClosedSubscription interface{ subscriptionClosed() }

// WaitFor returns a command that blocks until the next value arrives on ch
// and returns it as Received[T]; Received.Next waits for the one after. When
// ch is closed it returns Closed[T]. When ctx is done it returns nil (no
// message), so the goroutine Bubble Tea runs the command on ends with the
// program: cancel ctx when the program exits, or close ch.
//
// Start it once, from the root's Init (root.Options.Subscriptions); never
// from a view, or several reads race for the same values.
//
// This is the only blocking operation of the UI and it runs in a command,
// off the update loop: Update and View never wait.
func WaitFor[T any](ctx context.Context, ch <-chan T) tea.Cmd {
	var wait tea.Cmd
	wait = func() tea.Msg {
		select {
		case <-ctx.Done():
			return nil
		case v, ok := <-ch:
			if !ok {
				return Closed[T]{}
			}
			return Received[T]{Value: v, next: wait}
		}
	}
	return wait
}
