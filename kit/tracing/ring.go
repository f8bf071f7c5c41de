package tracing

import (
	"context"
	"slices"
	"sync"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/kitbench/kitbench/kit/introspect"
)

// DefaultRingCapacity is the number of spans a Ring keeps when NewRing is
// given a capacity of zero or less.
const DefaultRingCapacity = 2048

// Bounds on what one span may bring into the ring, whatever its source put
// on it: attribute values are remote, possibly hostile, text.
const (
	maxAttributes  = 32  // per span and per event
	maxEvents      = 32  // per span
	maxKeyLen      = 128 // bytes
	maxValueLen    = 256 // bytes, also bounds names and the status message
	defaultPageLen = 100
)

// Ring is a bounded in-memory store of recently finished spans: an
// OpenTelemetry span processor (register it on a TracerProvider, as
// NewProvider does) and the introspect.SpanSource behind the protocol's
// /spans resource. When full it overwrites its oldest span. Each stored
// span gets a cursor one greater than the previous one, so readers page
// with Spans(after, limit) and learn how many spans they missed.
//
// What it serves leaves the process, so it carries no error text: a
// span's status message is kept only when Middleware set it (to
// transport.Summary: status and client-safe text) and dropped for spans of
// other instrumentation scopes, and an event's exception.message and
// exception.stacktrace attributes (span.RecordError's) are dropped.
//
// A Ring is safe for concurrent use. The zero value is not usable; create
// one with NewRing.
type Ring struct {
	reg *introspect.Registry

	mu    sync.Mutex
	slots []introspect.Span
	last  uint64 // cursor of the newest span; 0 when empty

	svcMu  sync.Mutex
	svcRes *resource.Resource // the resource svc was read from
	svc    string
}

// NewRing returns a ring holding up to capacity spans (DefaultRingCapacity
// when capacity <= 0). When reg is not nil the ring registers itself as
// reg's span source and publishes every finished span to reg as an
// introspect.Event of type introspect.EventSpan (Publish never blocks).
func NewRing(capacity int, reg *introspect.Registry) *Ring {
	if capacity <= 0 {
		capacity = DefaultRingCapacity
	}
	r := &Ring{reg: reg, slots: make([]introspect.Span, capacity)}
	if reg != nil {
		reg.SetSpans(r)
	}
	return r
}

// OnStart implements sdktrace.SpanProcessor; it does nothing.
func (r *Ring) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd implements sdktrace.SpanProcessor: it copies the finished span,
// within the ring's bounds, into the ring.
func (r *Ring) OnEnd(s sdktrace.ReadOnlySpan) {
	span := r.convert(s)
	r.mu.Lock()
	r.last++
	span.Cursor = r.last
	r.slots[(r.last-1)%uint64(len(r.slots))] = span
	r.mu.Unlock()
	if r.reg != nil {
		r.reg.Publish(introspect.Event{Type: introspect.EventSpan, Span: &span})
	}
}

// Shutdown implements sdktrace.SpanProcessor. The ring keeps serving the
// spans it holds.
func (r *Ring) Shutdown(context.Context) error { return nil }

// ForceFlush implements sdktrace.SpanProcessor; there is nothing to flush.
func (r *Ring) ForceFlush(context.Context) error { return nil }

// Spans implements introspect.SpanSource. It returns up to limit spans
// (limit <= 0 means 100; more than the capacity means the capacity) whose
// cursor is greater than after, oldest first, the cursor to pass as after
// next time, and how many spans after the given cursor were overwritten
// before this call. A cursor beyond the newest span (a reader of a
// previous process) starts again from the oldest span held.
func (r *Ring) Spans(after uint64, limit int) ([]introspect.Span, uint64, uint64) {
	capacity := uint64(len(r.slots))
	if limit <= 0 {
		limit = defaultPageLen
	}
	if uint64(limit) > capacity {
		limit = int(capacity)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	oldest := uint64(1)
	if r.last > capacity {
		oldest = r.last - capacity + 1
	}
	if after > r.last {
		after = oldest - 1
	}
	var dropped uint64
	if after+1 < oldest {
		dropped = oldest - (after + 1)
		after = oldest - 1
	}
	n := min(uint64(limit), r.last-after)
	out := make([]introspect.Span, 0, n)
	for c := after + 1; c <= after+n; c++ {
		out = append(out, r.slots[(c-1)%capacity])
	}
	return out, after + n, dropped
}

// convert copies a finished span into the wire type, bounded.
func (r *Ring) convert(s sdktrace.ReadOnlySpan) introspect.Span {
	sc := s.SpanContext()
	out := introspect.Span{
		TraceID:    sc.TraceID().String(),
		SpanID:     sc.SpanID().String(),
		Name:       truncate(s.Name(), maxValueLen),
		Service:    r.service(s),
		Kind:       s.SpanKind().String(),
		Start:      s.StartTime(),
		DurationNS: s.EndTime().Sub(s.StartTime()).Nanoseconds(),
		Attributes: attrMap(s.Attributes()),
	}
	if p := s.Parent(); p.SpanID().IsValid() {
		out.ParentSpanID = p.SpanID().String()
	}
	switch st := s.Status(); st.Code {
	case codes.Ok:
		out.Status = "ok"
	case codes.Error:
		out.Status = "error"
		if s.InstrumentationScope().Name == ScopeName {
			// Middleware set it to transport.Summary; any other
			// instrumentation's description is free text that may hold
			// internals, so it is not served.
			out.StatusMsg = truncate(st.Description, maxValueLen)
		}
	default:
		out.Status = "unset"
	}
	events := s.Events()
	if len(events) > maxEvents {
		events = events[len(events)-maxEvents:] // keep the most recent
	}
	if len(events) > 0 {
		out.Events = make([]introspect.SpanEvent, len(events))
		for i, e := range events {
			out.Events[i] = introspect.SpanEvent{
				Name:       truncate(e.Name, maxValueLen),
				Time:       e.Time,
				Attributes: attrMap(withoutErrorText(e.Attributes)),
			}
		}
	}
	return out
}

// service returns the span's service.name, remembering it per resource.
func (r *Ring) service(s sdktrace.ReadOnlySpan) string {
	res := s.Resource()
	r.svcMu.Lock()
	defer r.svcMu.Unlock()
	if r.svcRes != res || r.svcRes == nil {
		v, _ := res.Set().Value(serviceNameKey)
		r.svcRes, r.svc = res, truncate(v.String(), maxValueLen)
	}
	return r.svc
}

// errorTextKeys are the attributes span.RecordError adds to its
// "exception" event that carry an error's text (OpenTelemetry's semantic
// conventions); the ring does not serve them.
var errorTextKeys = [...]attribute.Key{"exception.message", "exception.stacktrace"}

// withoutErrorText returns attrs without errorTextKeys, copying only when
// one is present.
func withoutErrorText(attrs []attribute.KeyValue) []attribute.KeyValue {
	for i, kv := range attrs {
		if slices.Contains(errorTextKeys[:], kv.Key) {
			out := slices.Clone(attrs[:i])
			for _, kv := range attrs[i+1:] {
				if !slices.Contains(errorTextKeys[:], kv.Key) {
					out = append(out, kv)
				}
			}
			return out
		}
	}
	return attrs
}

// attrMap stringifies at most maxAttributes attributes, bounding keys and
// values.
func attrMap(attrs []attribute.KeyValue) map[string]string {
	if len(attrs) == 0 {
		return nil
	}
	if len(attrs) > maxAttributes {
		attrs = attrs[:maxAttributes]
	}
	m := make(map[string]string, len(attrs))
	for _, kv := range attrs {
		m[truncate(string(kv.Key), maxKeyLen)] = truncate(kv.Value.String(), maxValueLen)
	}
	return m
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}
