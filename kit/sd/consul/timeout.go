package consul

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrUnresponsive reports a request to the agent that got no answer within
// its bound: the agent accepted the connection (or had it open) and stayed
// silent, as a hung agent or a network that drops packets does. The
// Instancer treats it like an agent that is down.
var ErrUnresponsive = errors.New("consul: agent did not answer in time")

const (
	// queryMargin is what QueryTimeout allows beyond a blocking query's
	// wait and jitter: the network's round trip and a busy agent's delay.
	queryMargin = 5 * time.Second
	// requestTimeout bounds a Registrar's requests when
	// RegistrarOptions.Timeout is zero.
	requestTimeout = 5 * time.Second
)

// QueryTimeout returns how long a blocking query with the given wait may
// take before the agent counts as unresponsive: the wait, plus the jitter
// of up to wait/16 that Consul adds to it, plus 5 seconds for the network
// and a busy agent. An Instancer bounds its queries with it by default.
func QueryTimeout(wait time.Duration) time.Duration {
	return wait + wait/16 + queryMargin
}

// unresponsive explains err when the request's own bound ended it: rctx is
// the request's context, derived from ctx with the bound d, and not yet
// cancelled. Any other error (the caller's own cancellation or deadline
// among them) is returned as it is.
func unresponsive(ctx, rctx context.Context, err error, what string, d time.Duration) error {
	if err == nil || ctx.Err() != nil || !errors.Is(rctx.Err(), context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w: %s: no answer within %v (a hung agent, or a network dropping packets; check the agent and the path to it): %w",
		ErrUnresponsive, what, d, err)
}
