package introspect

import (
	"context"
	"sync/atomic"

	"github.com/kitbench/kitbench/kit/endpoint"
)

// streamGauge counts the open streams of one endpoint.
type streamGauge struct {
	endpoint, transport string
	open                atomic.Int64
}

// StreamMiddleware returns a stream middleware that counts the streams
// open on the endpoint it wraps, which Info reports in its Streams field
// (and GET /info with it) under the given endpoint and transport names.
// Wrapping several endpoints under the same names adds up their streams.
// A stream is open from the middleware's call until its return; the count
// costs two atomic adds per stream and nothing per message.
func (r *Registry) StreamMiddleware(endpointName, transportName string) endpoint.StreamMiddleware {
	r.mu.Lock()
	var g *streamGauge
	for _, have := range r.streams {
		if have.endpoint == endpointName && have.transport == transportName {
			g = have
		}
	}
	if g == nil {
		g = &streamGauge{endpoint: endpointName, transport: transportName}
		r.streams = append(r.streams, g)
	}
	r.mu.Unlock()
	return func(next endpoint.StreamEndpoint) endpoint.StreamEndpoint {
		return func(ctx context.Context, s endpoint.Stream) error {
			g.open.Add(1)
			defer g.open.Add(-1) // even if next panics and a transport recovers
			return next(ctx, s)
		}
	}
}

// openStreams is the Streams field of Info; nil when no stream endpoint
// is counted. The caller holds r.mu.
func openStreams(gs []*streamGauge) []OpenStreams {
	if len(gs) == 0 {
		return nil
	}
	out := make([]OpenStreams, len(gs))
	for i, g := range gs {
		out[i] = OpenStreams{Endpoint: g.endpoint, Transport: g.transport, Open: g.open.Load()}
	}
	return out
}
