package fault

import (
	"context"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/introspect"
)

// StreamMiddleware returns the stream middleware injecting the faults set
// on the stream endpoint name. A fault with StreamAfter zero hits the
// stream when it starts, as Middleware hits a call: a delay before the
// endpoint runs, or an error or abort instead of it. With StreamAfter N,
// the stream's first N sent messages go untouched and each later Send is
// delayed, or fails with the injected error (the endpoint returns it and
// the stream ends with it). A fault set or cleared while a stream is open
// applies to its later messages.
func (i *Injector) StreamMiddleware(name string) endpoint.StreamMiddleware {
	s := i.slot(name)
	return func(next endpoint.StreamEndpoint) endpoint.StreamEndpoint {
		return func(ctx context.Context, st endpoint.Stream) error {
			if f := s.cur.Load(); f != nil && f.StreamAfter == 0 {
				if err := i.inject(ctx, s.name, f); err != nil {
					return err
				}
			}
			return next(ctx, &faultStream{Stream: st, ctx: ctx, i: i, s: s})
		}
	}
}

// faultStream counts the messages a stream sends and injects the faults
// set with StreamAfter into the later ones.
type faultStream struct {
	endpoint.Stream
	ctx  context.Context
	i    *Injector
	s    *slot
	sent int
}

func (fs *faultStream) Send(msg any) error {
	fs.sent++
	if f := fs.s.cur.Load(); f != nil && f.StreamAfter > 0 && fs.sent > f.StreamAfter {
		if err := fs.i.inject(fs.ctx, fs.s.name, f); err != nil {
			return err
		}
	}
	return fs.Stream.Send(msg)
}

var _ introspect.FaultTarget = (*Injector)(nil)
