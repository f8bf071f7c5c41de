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

// ReplayOptions configure Replay. The zero value compares everything but
// the header's ignore rules, with default redaction and no extra headers.
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
}

// OK reports whether the exchange replayed and matched.
func (r *Result) OK() bool { return r.Err == nil && len(r.Diffs) == 0 }

// Explain describes a failed result for people: which exchange, then each
// difference (path, expected, got) on its own line.
// Recorded and replayed text is sanitized as in WriteText.
func (r *Result) Explain() string {
	head := fmt.Sprintf("exchange %d (id %s) %s", r.Index+1, sanitize.Line(r.ID, 0), sanitize.Line(r.Name, 0))
	if r.Err != nil {
		return head + ": " + sanitize.Line(r.Err.Error(), 0)
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
	to := opts.Timeout
	if to <= 0 {
		to = 30 * time.Second
	}
	return &Replayer{target: target, opts: opts, ignore: ign, rd: rd, timeout: to}, nil
}

// Replay sends every exchange of s, in order, and compares each response
// with the recorded one. It stops early only when ctx ends (the rest are
// reported with ctx's error).
func (rp *Replayer) Replay(ctx context.Context, s *Session) (*Report, error) {
	hdrIgnore, err := compilePaths(s.Header.Ignore)
	if err != nil {
		return nil, fmt.Errorf("session header: %w", err)
	}
	ignore := append(hdrIgnore, rp.ignore...)
	rep := &Report{Results: make([]Result, len(s.Exchanges))}
	for i := range s.Exchanges {
		res := rp.One(ctx, &s.Exchanges[i], ignore)
		res.Index = i
		rep.Results[i] = res
		if res.OK() {
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

// One replays a single exchange and compares with ignore rules (which
// should include the session header's).
func (rp *Replayer) One(ctx context.Context, ex *Exchange, ignore []Path) Result {
	res := Result{Exchange: ex, ID: ex.ID, Name: ex.Name()}
	if err := ctx.Err(); err != nil {
		res.Err = err
		return res
	}
	send := rp.prepare(ex)
	cctx, cancel := context.WithTimeout(ctx, rp.timeout)
	defer cancel()
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
	}
	res.Diffs = Compare(want, res.Got, ignore)
	return res
}

// prepare returns the exchange to send: redacted headers dropped, the
// option headers set.
func (rp *Replayer) prepare(ex *Exchange) *Exchange {
	out := *ex
	h := make(map[string][]string, len(ex.Request.Headers)+len(rp.opts.Headers))
	for k, vs := range ex.Request.Headers {
		if len(vs) > 0 && vs[0] == Placeholder {
			continue
		}
		h[k] = vs
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
