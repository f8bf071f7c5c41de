package recorder

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/kitbench/kitbench/internal/sanitize"
)

// Target answers replayed requests. HTTPTarget, HandlerTarget, GRPCTarget,
// EndpointTarget and Targets are the ones this package provides.
type Target interface {
	// Do sends ex's request and returns the response in recorded form.
	// A response with an error status is a response, not an error; an
	// error means no response (wrap ErrUnreachable when the target could
	// not be reached at all, ErrReplay when ex cannot be sent).
	Do(ctx context.Context, ex *Exchange) (*Response, error)
}

// ReplayOptions configure Replay. The zero value sends every exchange,
// compares everything but the header's ignore rules, with default
// redaction and no extra headers.
type ReplayOptions struct {
	// Ignore adds JSON path rules to the header's (see Path).
	Ignore []string
	// Redact is applied to replayed responses before comparing, as the
	// Writer applied it to recorded ones; it should match the recording's.
	Redact Redaction
	// Headers are set on every replayed request, replacing recorded ones
	// of the same name — the way to supply real credentials, since
	// redacted values ("[REDACTED]") are never sent.
	Headers http.Header
	// Timeout bounds each exchange; zero means 30 seconds.
	Timeout time.Duration
	// Progress, when set, is called after each exchange with the number
	// done and the total.
	Progress func(done, total int)
	// Writes says what happens to exchanges that are not safe (see
	// Classify); the zero value, WritesAllow, sends them.
	Writes Writes
	// Safe lists patterns (path.Match syntax) of exchanges to treat as
	// safe besides GET, HEAD, OPTIONS and NO_SIDE_EFFECTS methods:
	// "GET /v1/*"-style "METHOD /path" for HTTP, the gRPC method
	// ("bookstore.v1.BookService/Search"), or the recorded endpoint name.
	Safe []string
	// DryRun sends nothing: each Result says what would be sent (Sent)
	// and is skipped. gRPC exchanges may still ask the target's
	// reflection service for descriptors, to classify them.
	DryRun bool
	// MatchKeys are object keys, tried before "id" and "name", by which
	// the elements of two arrays of objects are paired (see
	// CompareOptions).
	MatchKeys []string
	// Pace keeps a stream's recorded pacing: each client message is sent
	// no earlier than its recorded offset from the start of the call.
	// False sends them one after another as fast as the server takes
	// them, in the recorded order either way.
	Pace bool
}

// Result is the outcome of replaying one exchange.
type Result struct {
	// Index is the exchange's position in the session (0-based).
	Index    int       `json:"index"`
	Exchange *Exchange `json:"-"`
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	// Got is the replayed response (redacted); nil when Err is set.
	Got      *Response     `json:"got,omitempty"`
	Duration time.Duration `json:"duration_ns"`
	// Diffs lists how Got differs from the recording; empty when it matches.
	Diffs []Diff `json:"diffs,omitempty"`
	// Err says why there is no response.
	Err error `json:"-"`
	// Safety is whether the exchange is safe to send again, and why.
	Safety Safety `json:"safety"`
	// Skipped says why the exchange was not sent ("dry run", "unsafe: …");
	// empty when it was.
	Skipped string `json:"skipped,omitempty"`
	// Sent is, on a dry run, the request that would be sent: the recorded
	// one with redacted headers and the recorded trace context dropped, a
	// fresh traceparent and the option headers set. Nil otherwise.
	Sent *Request `json:"sent,omitempty"`
	// TraceID is the trace id of the fresh traceparent sent with the
	// exchange (a replay never rejoins the recorded trace);
	// RecordedTraceID the recorded exchange's, for comparison.
	TraceID         string `json:"trace_id,omitempty"`
	RecordedTraceID string `json:"recorded_trace_id,omitempty"`
}

// OK reports whether the exchange replayed and matched, or was skipped.
func (r *Result) OK() bool { return r.Err == nil && len(r.Diffs) == 0 }

// Explain describes a failed result for people: which exchange, then each
// difference (path, expected, got) on its own line.
// Recorded and replayed text is sanitized as in WriteText.
func (r *Result) Explain() string {
	head := fmt.Sprintf("exchange %d (id %s) %s", r.Index+1, sanitize.Line(r.ID, 0), sanitize.Line(r.Name, 0))
	if r.Err != nil {
		return head + ": " + sanitize.Line(r.Err.Error(), 0)
	}
	if r.Skipped != "" {
		return head + ": skipped: " + sanitize.Line(r.Skipped, 0)
	}
	if len(r.Diffs) == 0 {
		return head + ": ok"
	}
	return head + ": response differs:\n" + strings.TrimRight(diffText(r.Diffs), "\n")
}

// Report is the outcome of a replay.
type Report struct {
	Results        []Result `json:"results"`
	Passed, Failed int
	// Skipped counts exchanges not sent (a dry run, unsafe ones skipped);
	// they are neither passed nor failed.
	Skipped int
}

// Unreachable reports whether some exchange failed because the target
// could not be reached.
func (rep *Report) Unreachable() bool {
	for i := range rep.Results {
		if errors.Is(rep.Results[i].Err, ErrUnreachable) {
			return true
		}
	}
	return false
}

// Replayer replays sessions against one target with fixed options.
type Replayer struct {
	target  Target
	opts    ReplayOptions
	ignore  []Path
	rd      *Policy
	timeout time.Duration
}

// NewReplayer checks opts (bad ignore or redaction rules are errors) and
// returns a Replayer for target.
func NewReplayer(target Target, opts ReplayOptions) (*Replayer, error) {
	ign, err := compilePaths(opts.Ignore)
	if err != nil {
		return nil, err
	}
	rd, err := NewPolicy(opts.Redact)
	if err != nil {
		return nil, err
	}
	if err := checkPatterns(opts.Safe); err != nil {
		return nil, err
	}
	to := opts.Timeout
	if to <= 0 {
		to = 30 * time.Second
	}
	return &Replayer{target: target, opts: opts, ignore: ign, rd: rd, timeout: to}, nil
}

// Replay sends every exchange of s, in order, and compares each response
// with the recorded one. It stops early only when ctx ends (the rest are
// reported with ctx's error). With WritesRefuse it first classifies every
// exchange and, if any is unsafe, sends nothing and returns an
// *UnsafeError naming them.
func (rp *Replayer) Replay(ctx context.Context, s *Session) (*Report, error) {
	hdrIgnore, err := compilePaths(s.Header.Ignore)
	if err != nil {
		return nil, fmt.Errorf("session header: %w", err)
	}
	ignore := append(hdrIgnore, rp.ignore...)
	if rp.opts.Writes == WritesRefuse {
		var unsafe []string
		for i := range s.Exchanges {
			ex := &s.Exchanges[i]
			if sf := rp.Classify(ctx, ex); !sf.Safe {
				unsafe = append(unsafe, fmt.Sprintf("#%d %s (%s)", i+1, sanitize.Line(ex.Name(), 0), sanitize.Line(sf.Why, 0)))
			}
		}
		if len(unsafe) > 0 {
			return nil, &UnsafeError{Exchanges: unsafe}
		}
	}
	rep := &Report{Results: make([]Result, len(s.Exchanges))}
	for i := range s.Exchanges {
		res := rp.One(ctx, &s.Exchanges[i], ignore)
		res.Index = i
		rep.Results[i] = res
		if res.Skipped != "" {
			rep.Skipped++
		} else if res.OK() {
			rep.Passed++
		} else {
			rep.Failed++
		}
		if rp.opts.Progress != nil {
			rp.opts.Progress(i+1, len(s.Exchanges))
		}
	}
	return rep, nil
}

// ThriftNotReplayed is why Replay skips a Thrift exchange recorded
// without its request's types (Result.Skipped): a kitrec 1.2 file
// written before ThriftCall.RequestTypes was added.
const ThriftNotReplayed = "not replayed: recorded without its request's Thrift types (request_types), which a newer exchange ring records; capture the call again to replay it"

// One replays a single exchange and compares with ignore rules (which
// should include the session header's). It applies Writes and DryRun to
// the exchange: an unsafe one is an *UnsafeError (WritesRefuse) or
// skipped (WritesSkip).
//
// A stream exchange (gRPC only) is replayed as a stream: the recorded
// client messages are sent in order (with their pacing when
// ReplayOptions.Pace is set) while the server's messages are received,
// and these are compared with the recorded ones as a sequence, each as a
// unary body is, differences reported per message ("$.messages[2].title").
// A recording whose client cancelled the call (Stream.Cancelled, such as
// a watch read up to a bound) is replayed up to as many response messages
// as it holds, then cancelled. Either way the exchange is bounded by
// ReplayOptions.Timeout.
//
// A Thrift exchange is sent as its recorded call (see ThriftTarget) and
// its reply compared as a client sees it: the body field by field, the
// status the wire implies (200, 0 for a declared exception, 500 for a
// TApplicationException) rather than the one kit's server gave, no
// reason. Thrift marks no method read-only, so each is unsafe unless a
// safe pattern names it. One recorded without its request's types is
// not sent: it is skipped with ThriftNotReplayed, counted neither passed
// nor failed, and an update leaves it as it was.
func (rp *Replayer) One(ctx context.Context, ex *Exchange, ignore []Path) Result {
	res := Result{Exchange: ex, ID: ex.ID, Name: ex.Name(), RecordedTraceID: recordedTraceID(ex)}
	if err := ctx.Err(); err != nil {
		res.Err = err
		return res
	}
	res.Safety = rp.Classify(ctx, ex)
	if ex.Transport == TransportThrift && (ex.Thrift == nil || len(ex.Thrift.RequestTypes) == 0) {
		res.Skipped = ThriftNotReplayed
		return res
	}
	if !res.Safety.Safe {
		switch rp.opts.Writes {
		case WritesRefuse:
			res.Err = &UnsafeError{Exchanges: []string{sanitize.Line(ex.Name(), 0) + " (" + sanitize.Line(res.Safety.Why, 0) + ")"}}
			return res
		case WritesSkip:
			res.Skipped = "unsafe: " + res.Safety.Why
			return res
		}
	}
	send := rp.prepare(ex)
	res.TraceID = sentTraceID(send.Request.Headers)
	if rp.opts.DryRun {
		res.Sent, res.Skipped = &send.Request, "dry run"
		return res
	}
	cctx, cancel := context.WithTimeout(ctx, rp.timeout)
	defer cancel()
	if rp.opts.Pace {
		cctx = withPacing(cctx)
	}
	start := time.Now()
	got, err := rp.target.Do(cctx, send)
	res.Duration = time.Since(start)
	if err != nil {
		res.Err = err
		return res
	}
	tmp := Exchange{Response: *got}
	rp.rd.Exchange(&tmp)
	res.Got = &tmp.Response
	want := &ex.Response
	if e, ok := rp.target.(expecter); ok {
		want = e.expected(cctx, ex)
	} else if ex.Transport == TransportThrift {
		want = thriftExpected(ex)
	}
	res.Diffs = CompareWith(want, res.Got, CompareOptions{Ignore: ignore, MatchKeys: rp.opts.MatchKeys})
	return res
}

// prepare returns the exchange to send: redacted headers and the recorded
// trace context dropped, a fresh traceparent set, the option headers set
// (a traceparent among them wins).
func (rp *Replayer) prepare(ex *Exchange) *Exchange {
	out := *ex
	if ex.Transport == TransportThrift {
		return &out // Thrift carries no headers, nor a trace context
	}
	h := make(map[string][]string, len(ex.Request.Headers)+len(rp.opts.Headers)+1)
	for k, vs := range ex.Request.Headers {
		if len(vs) > 0 && vs[0] == Placeholder || traceHeaders[strings.ToLower(k)] {
			continue
		}
		h[k] = vs
	}
	tp, _ := newTraceparent()
	if ex.Transport == TransportGRPC {
		h["traceparent"] = []string{tp}
	} else {
		h["Traceparent"] = []string{tp}
	}
	for k, vs := range rp.opts.Headers {
		for hk := range h {
			if strings.EqualFold(hk, k) {
				delete(h, hk)
			}
		}
		if ex.Transport == TransportGRPC {
			k = strings.ToLower(k)
		}
		h[k] = vs
	}
	out.Request.Headers = h
	return &out
}

// Sidecar returns the ignore rules kept beside a session file, in
// path+".ignore": one JSON path per line, blank lines and lines starting
// with "#" skipped. A missing sidecar is no rules and no error.
func Sidecar(path string) ([]string, error) {
	b, err := os.ReadFile(path + ".ignore")
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("recorder: %w", err)
	}
	var rules []string
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if _, err := ParsePath(l); err != nil {
			return nil, fmt.Errorf("%s.ignore: %w", path, err)
		}
		rules = append(rules, l)
	}
	return rules, nil
}
