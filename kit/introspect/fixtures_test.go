package introspect

import (
	"encoding/json"
	"time"
)

// Fixed values shared by the handler tests and the golden wire-format test.

var fixedTime = time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.UTC)

func fixedInfo() Info {
	return Info{
		Service:    "books",
		InstanceID: "books-1",
		Version:    "v1.2.3",
		StartTime:  fixedTime,
	}
}

func fixedTransports() []Transport {
	return []Transport{{Name: "http", Addr: "127.0.0.1:8080"}, {Name: "grpc", Addr: "127.0.0.1:8081"}}
}

func fixedEndpoints() []EndpointDoc {
	return []EndpointDoc{
		{Name: "GetBook", Transport: "http", HTTPMethod: "GET", HTTPPath: "/v1/books/{id}",
			RequestExample: json.RawMessage(`{"id":"42"}`),
			Request:        &MessageDoc{Type: "books.getRequest", Fields: []FieldDoc{{Name: "id", Type: "string", Path: "id"}}},
			Response: &MessageDoc{Type: "books.Book", Fields: []FieldDoc{{Name: "id", Type: "string"},
				{Name: "tags", Type: "array of string"}, {Name: "author", Type: "books.Author", Fields: []FieldDoc{{Name: "name", Type: "string"}}}}}},
		{Name: "GetBook", Transport: "grpc", GRPCMethod: "/books.v1.Books/GetBook"},
	}
}

type fixedBreaker Breaker

func (b fixedBreaker) BreakerInfo() Breaker { return Breaker(b) }

type fixedLimiter Limiter

func (l fixedLimiter) LimiterInfo() Limiter { return Limiter(l) }

func fixedBreakers() []Breaker {
	return []Breaker{
		{
			Name: "inventory", State: StateOpen,
			Counts:         BreakerCounts{Requests: 20, Successes: 8, Failures: 12, ConsecutiveFailures: 5, Rejected: 3},
			ErrorRatio:     0.6,
			LastTransition: fixedTime,
			Settings: BreakerSettings{Policy: "ratio", ErrorRatio: 0.5, MinRequests: 20,
				WindowNS: int64(10 * time.Second), OpenTimeoutNS: int64(30 * time.Second), HalfOpenMaxCalls: 1},
		},
		{
			Name: "payments", State: StateClosed,
			Counts:   BreakerCounts{Requests: 7, Successes: 7},
			Settings: BreakerSettings{Policy: "consecutive", ConsecutiveFailures: 5, OpenTimeoutNS: int64(time.Minute), HalfOpenMaxCalls: 2},
		},
	}
}

func fixedLimiters() []Limiter {
	return []Limiter{
		{Name: "writes", Mode: "error", Rate: 10, Burst: 5, Tokens: 2.5, Allowed: 100, Rejected: 7},
	}
}

func fixedSpans() []Span {
	return []Span{
		{Cursor: 1, TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7",
			Name: "GetBook", Service: "books", Kind: "server", Start: fixedTime, DurationNS: 1_500_000,
			Status: "ok", Attributes: map[string]string{"http.method": "GET"}},
		{Cursor: 2, TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "b7ad6b7169203331",
			ParentSpanID: "00f067aa0ba902b7", Name: "inventory.Reserve", Service: "books", Kind: "client",
			Start: fixedTime.Add(time.Millisecond), DurationNS: 400_000, Status: "error", StatusMsg: "breaker open",
			Events: []SpanEvent{{Name: "breaker", Time: fixedTime.Add(time.Millisecond),
				Attributes: map[string]string{"state": "open"}}}},
		{Cursor: 3, TraceID: "0af7651916cd43dd8448eb211c80319c", SpanID: "b9c7c989f97918e1",
			Name: "ListBooks", Service: "books", Start: fixedTime.Add(2 * time.Millisecond), DurationNS: 250_000,
			Status: "unset"},
	}
}

func fixedEvents() []Event {
	spans := fixedSpans()
	return []Event{
		{Type: EventBreaker, Breaker: &BreakerTransition{Name: "inventory", From: StateClosed, To: StateOpen,
			Time: fixedTime, Counts: BreakerCounts{Requests: 20, Successes: 8, Failures: 12, ConsecutiveFailures: 5},
			Failures: []BreakerFailure{{Time: fixedTime, Error: "inventory: deadline exceeded",
				TraceID: "4bf92f3577b34da6a3ce929d0e0e4736"}}}},
		{Type: EventLimiter, Limiter: &LimiterRejections{Name: "writes", Time: fixedTime, Rejected: 4, Total: 7}},
		{Type: EventSpan, Span: &spans[0]},
		{Type: EventDropped, Dropped: 12},
	}
}

// sliceSpans is a SpanSource over a fixed slice, with cursors 1..n.
type sliceSpans struct{ spans []Span }

func (s sliceSpans) Spans(after uint64, limit int) ([]Span, uint64, uint64) {
	var out []Span
	next := after
	for _, sp := range s.spans {
		if sp.Cursor > after && len(out) < limit {
			out = append(out, sp)
			next = sp.Cursor
		}
	}
	return out, next, 0
}

// fixedRegistry is a Registry holding every fixed value above.
func fixedRegistry() *Registry {
	reg := NewRegistry(fixedInfo())
	for _, t := range fixedTransports() {
		reg.AddTransport(t)
	}
	reg.AddEndpoints(fixedEndpoints()...)
	bs := fixedBreakers()
	reg.AddBreaker(fixedBreaker(bs[1])) // out of order: the registry sorts
	reg.AddBreaker(fixedBreaker(bs[0]))
	for _, l := range fixedLimiters() {
		reg.AddLimiter(fixedLimiter(l))
	}
	reg.SetSpans(sliceSpans{fixedSpans()})
	return reg
}
