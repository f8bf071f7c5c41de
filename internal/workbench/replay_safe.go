package workbench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kitbench/kitbench/internal/sanitize"
	"github.com/kitbench/kitbench/recorder"
)

// Writes says what a replay does with exchanges that may change the
// target's data: those recorder's Replayer.Classify calls unsafe (any
// HTTP method but GET, HEAD and OPTIONS; a gRPC method not marked
// idempotency_level = NO_SIDE_EFFECTS and matched by no safe pattern).
type Writes uint8

const (
	// WritesGuarded, the zero value, sends them to the target they were
	// recorded against, and refuses them when any exchange would go
	// elsewhere (`kitbench replay --target` naming another service).
	WritesGuarded Writes = iota
	// WritesAllowed sends them (`--allow-writes`).
	WritesAllowed
	// WritesSkipped sends only the safe exchanges and reports the others
	// skipped (`--only-safe`).
	WritesSkipped
	// WritesRefused refuses them wherever the requests go (the
	// dashboard's first replay of a session, before it asks).
	WritesRefused
)

// WritesFor is the Writes of replay's flags: --allow-writes
// (WritesAllowed), --only-safe (WritesSkipped), neither (WritesGuarded).
func WritesFor(allowWrites, onlySafe bool) Writes {
	switch {
	case allowWrites:
		return WritesAllowed
	case onlySafe:
		return WritesSkipped
	}
	return WritesGuarded
}

// recorder is the recorder's policy for w, foreign when some exchange
// goes to a target other than the recorded one.
func (w Writes) recorder(foreign bool) recorder.Writes {
	switch {
	case w == WritesAllowed, w == WritesGuarded && !foreign:
		return recorder.WritesAllow
	case w == WritesSkipped:
		return recorder.WritesSkip
	}
	return recorder.WritesRefuse
}

// refusedNotSent is why a safe exchange of a refused replay was not sent.
const refusedNotSent = "not sent: the session has exchanges that may change data"

// foreign names the targets, other than the recorded ones, that some
// exchanges of s would go to ("127.0.0.1:8081, 127.0.0.1:9091"); empty
// when each goes where it was recorded. specs are ReplayOptions.Targets,
// read as recorder.DialSession reads them.
func foreign(s *recorder.Session, specs []string) string {
	var httpAddr, grpcAddr, thriftAddr string
	for _, spec := range specs {
		switch {
		case strings.HasPrefix(spec, "grpc://"):
			grpcAddr = spec
		case strings.HasPrefix(spec, "thrift://"):
			thriftAddr = spec
		case strings.Contains(spec, "://"):
			httpAddr = spec
		default:
			httpAddr, grpcAddr = spec, spec
		}
	}
	var out []string
	for i := range s.Exchanges {
		ex := &s.Exchanges[i]
		to := httpAddr
		switch {
		case ex.Transport == recorder.TransportGRPC:
			to = grpcAddr
		case ex.Transport == recorder.TransportThrift && (ex.Thrift == nil || len(ex.Thrift.RequestTypes) == 0):
			continue // never sent (recorder.ThriftNotReplayed)
		case ex.Transport == recorder.TransportThrift:
			to = thriftAddr
		}
		if to != "" && hostPort(to) != hostPort(ex.Target) && !slices.Contains(out, hostPort(to)) {
			out = append(out, hostPort(to))
		}
	}
	return strings.Join(out, ", ")
}

// hostPort is a target without its scheme, path and letter case.
func hostPort(t string) string {
	if _, rest, ok := strings.Cut(t, "://"); ok {
		t = rest
	}
	t, _, _ = strings.Cut(t, "/")
	return strings.ToLower(t)
}

// refusal classifies every exchange of s with rp and, when some are
// unsafe, returns the report of a replay that sent nothing: each unsafe
// exchange refused (its Err a *recorder.UnsafeError), each safe one
// skipped. It returns nil when every exchange is safe.
// Reading a gRPC method's descriptor from the target is bounded by
// timeout (zero: 30 seconds).
func refusal(ctx context.Context, rp *recorder.Replayer, s *recorder.Session, timeout time.Duration) *recorder.Report {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rep := &recorder.Report{Results: make([]recorder.Result, len(s.Exchanges))}
	unsafe := 0
	for i := range s.Exchanges {
		ex := &s.Exchanges[i]
		res := recorder.Result{Index: i, Exchange: ex, ID: ex.ID, Name: ex.Name(), Safety: rp.Classify(ctx, ex), RecordedTraceID: ex.TraceID}
		if res.Safety.Safe {
			res.Skipped = refusedNotSent
			rep.Skipped++
		} else {
			res.Err = &recorder.UnsafeError{Exchanges: []string{unsafeName(i, ex, res.Safety)}}
			rep.Failed++
			unsafe++
		}
		rep.Results[i] = res
	}
	if unsafe == 0 {
		return nil
	}
	return rep
}

// unsafeName names an unsafe exchange for people: "#3 DELETE /v1/books/1
// (DELETE is not a GET, HEAD or OPTIONS)".
func unsafeName(i int, ex *recorder.Exchange, sf recorder.Safety) string {
	return fmt.Sprintf("#%d %s (%s)", i+1, sanitize.Line(ex.Name(), 0), sanitize.Line(sf.Why, 0))
}

// Refused lists the exchanges the replay refused to send, as
// recorder.UnsafeError names them; nil when it refused none.
func (r *Replayed) Refused() []string {
	var out []string
	for i := range r.Report.Results {
		if res := &r.Report.Results[i]; refused(res) {
			out = append(out, unsafeName(res.Index, &r.Session.Exchanges[res.Index], res.Safety))
		}
	}
	return out
}

// refused reports whether res is an exchange a replay refused to send.
func refused(res *recorder.Result) bool {
	return errors.Is(res.Err, recorder.ErrUnsafe)
}

// refusedError is the error of a replay that refused to send.
func (r *Replayed) refusedError() error {
	names := r.Refused()
	where := "the target"
	if r.Foreign != "" {
		where = r.Foreign + ", where the session was not recorded"
	}
	return Exitf(ExitUsage, "nothing was sent: %d exchange(s) may change the data of %s: %s; "+
		"--allow-writes sends them, --only-safe replays only the safe ones, --safe PATTERN marks a method safe",
		len(names), where, strings.Join(names, ", "))
}
