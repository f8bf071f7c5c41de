package metrics

import (
	"context"
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/internal/monotime"
	"github.com/kitbench/kitbench/kit/transport"
)

// Names of the stream metrics, after grpc-prometheus's
// grpc_server_started_total, grpc_server_handled_total,
// grpc_server_msg_received_total, grpc_server_msg_sent_total and
// grpc_server_handling_seconds, in kit's namespace and with kit's labels.
// Like the request metrics, they are part of kit's compatibility promise.
const (
	// StreamsStarted counts streams that started, by endpoint and transport.
	StreamsStarted = "kit_streams_started_total"
	// StreamsHandled counts streams that ended, by endpoint, transport and
	// code (the code label of RequestsTotal).
	StreamsHandled = "kit_streams_handled_total"
	// StreamMsgReceived counts messages stream endpoints received.
	StreamMsgReceived = "kit_stream_msg_received_total"
	// StreamMsgSent counts messages stream endpoints sent.
	StreamMsgSent = "kit_stream_msg_sent_total"
	// StreamDuration is a histogram of stream lifetimes in seconds.
	StreamDuration = "kit_stream_duration_seconds"
)

// DefaultStreamBuckets are the upper bounds, in seconds, of
// StreamDuration's buckets: 10 ms to 1 h, since a watch may stay open for
// long.
var DefaultStreamBuckets = []float64{.01, .1, 1, 10, 60, 300, 1800, 3600}

// StreamMetrics holds the stream metrics of one service. Build one per
// service with NewStream and a StreamMiddleware per stream endpoint.
type StreamMetrics struct {
	started, handled, received, sent *prometheus.CounterVec
	duration                         *prometheus.HistogramVec
}

// NewStream creates the stream metrics and registers them with reg,
// reusing those reg already holds, as New does. Buckets replaces
// DefaultStreamBuckets. A nil reg is an error (ErrNilRegisterer).
func NewStream(reg prometheus.Registerer, opts ...Option) (*StreamMetrics, error) {
	if reg == nil {
		return nil, ErrNilRegisterer
	}
	cfg := config{}
	for _, o := range opts {
		o(&cfg)
	}
	if len(cfg.buckets) == 0 {
		cfg.buckets = DefaultStreamBuckets
	}
	labels := []string{"endpoint", "transport"}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	}
	m := &StreamMetrics{
		started:  counter(StreamsStarted, "Streams that started, by endpoint and transport.", labels...),
		handled:  counter(StreamsHandled, "Streams that ended, by endpoint, transport and result code (ok, an HTTP status, 4xx or 5xx).", "endpoint", "transport", "code"),
		received: counter(StreamMsgReceived, "Messages received by stream endpoints, by endpoint and transport.", labels...),
		sent:     counter(StreamMsgSent, "Messages sent by stream endpoints, by endpoint and transport.", labels...),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    StreamDuration,
			Help:    "Duration of streams in seconds, by endpoint and transport.",
			Buckets: cfg.buckets,
		}, labels),
	}
	var err error
	for _, c := range []**prometheus.CounterVec{&m.started, &m.handled, &m.received, &m.sent} {
		if *c, err = register(reg, *c); err != nil {
			return nil, err
		}
	}
	if m.duration, err = register(reg, m.duration); err != nil {
		return nil, err
	}
	return m, nil
}

// StreamMiddleware returns a stream middleware that records every stream
// of the endpoint it wraps under the given label values: its start, every
// message it receives and sends, its end with the code of its error (as
// Middleware codes a call's), and its duration. Counting messages costs
// one atomic add each and no allocation.
func (m *StreamMetrics) StreamMiddleware(endpointName, transportName string) endpoint.StreamMiddleware {
	endpointName = strings.ToValidUTF8(endpointName, "\uFFFD")
	transportName = strings.ToValidUTF8(transportName, "\uFFFD")
	return func(next endpoint.StreamEndpoint) endpoint.StreamEndpoint {
		in := &streamInstrumented{
			m:         m,
			endpoint:  endpointName,
			transport: transportName,
			started:   m.started.WithLabelValues(endpointName, transportName),
			received:  m.received.WithLabelValues(endpointName, transportName),
			sent:      m.sent.WithLabelValues(endpointName, transportName),
			duration:  m.duration.WithLabelValues(endpointName, transportName),
			next:      next,
		}
		in.counter(0)
		return in.call
	}
}

type streamInstrumented struct {
	m                       *StreamMetrics
	endpoint, transport     string
	started, received, sent prometheus.Counter
	duration                prometheus.Observer
	handled                 [len(codes)]atomic.Pointer[counterRef]
	next                    endpoint.StreamEndpoint
}

func (in *streamInstrumented) call(ctx context.Context, s endpoint.Stream) error {
	in.started.Inc()
	start := monotime.Now()
	err := in.next(ctx, &meteredStream{Stream: s, in: in})
	in.duration.Observe((monotime.Now() - start).Seconds())
	code := 0
	if err != nil {
		code = codeIndex(transport.StatusOf(err))
	}
	in.counter(code).Inc()
	return err
}

func (in *streamInstrumented) counter(i int) prometheus.Counter {
	if r := in.handled[i].Load(); r != nil {
		return r.c
	}
	c := in.m.handled.WithLabelValues(in.endpoint, in.transport, codes[i])
	in.handled[i].Store(&counterRef{c})
	return c
}

// meteredStream counts the messages that pass.
type meteredStream struct {
	endpoint.Stream
	in *streamInstrumented
}

func (s *meteredStream) Recv() (any, error) {
	m, err := s.Stream.Recv()
	if err == nil {
		s.in.received.Inc()
	}
	return m, err
}

func (s *meteredStream) Send(m any) error {
	err := s.Stream.Send(m)
	if err == nil {
		s.in.sent.Inc()
	}
	return err
}
