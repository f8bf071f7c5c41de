package workbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/kitbench/kitbench/internal/sanitize"
	"github.com/kitbench/kitbench/recorder"
)

// ProgressOver is the size of a session, in exchanges, above which
// Replay reports its progress.
const ProgressOver = 20

// ReplayOptions configure Replay. The zero value sends each transport
// where it was recorded, compares all but the paths the file's header
// and its sidecar (FILE.ignore) ignore, waits recorder's default time for
// each exchange and reports nothing along the way.
type ReplayOptions struct {
	// Targets are where to send the requests ("host:port" for HTTP and
	// gRPC, "http://…", "grpc://…", "thrift://…", as recorder.DialSession
	// takes them); nil sends each transport where it was recorded (a
	// Thrift exchange captured from a ring: the instance's Thrift
	// address).
	Targets []string
	// Ignore adds JSON paths not to compare.
	Ignore []string
	// Headers are set on every request (gRPC: metadata); nil sets none.
	Headers http.Header
	// Timeout bounds each exchange; zero means recorder's default.
	Timeout time.Duration
	// Unreadable, when set, hears of each line of the file that could
	// not be read, before anything is sent.
	Unreadable func(err error)
	// Progress, when set and the session has more than ProgressOver
	// exchanges, hears after every tenth exchange and after the last how
	// many are done of the total.
	Progress func(done, total int)

	// Writes says what happens to exchanges that may change data; the
	// zero value, WritesGuarded, refuses them when the requests go to a
	// target other than the one recorded.
	Writes Writes
	// Safe adds patterns of exchanges to treat as safe (recorder's
	// ReplayOptions.Safe); nil adds none.
	Safe []string
	// DryRun sends nothing: each result says what would be sent.
	DryRun bool
	// MatchKeys are object keys, tried before "id" and "name", by which
	// array elements are paired when compared; nil tries only those two.
	MatchKeys []string
}

// Replayed is a replayed session file.
type Replayed struct {
	Path    string
	Session *recorder.Session // what was read
	Report  *recorder.Report  // how each exchange compared
	// Foreign names the targets, other than the recorded ones, some
	// exchanges went to; empty when each went where it was recorded.
	Foreign string
	// DryRun: nothing was sent.
	DryRun bool
}

// Replay reads the session file at path, sends its requests in order as
// o says and compares each response with the recorded one. A file that
// cannot be read or dialled, or options recorder refuses, are an error;
// a context that ends while the file is read is Interrupted's error, and
// one that ends while replaying gives the exchanges replayed so far (see
// Replayed.Verdict).
func Replay(ctx context.Context, path string, o ReplayOptions) (*Replayed, error) {
	s, err := recorder.ReadFileContext(ctx, path, recorder.ReadOptions{})
	if err != nil && ctx.Err() != nil {
		return nil, Interrupted(ctx)
	}
	if err != nil {
		return nil, err
	}
	if o.Unreadable != nil {
		for _, le := range s.Errors {
			o.Unreadable(le)
		}
	}
	side, err := recorder.Sidecar(path)
	if err != nil {
		return nil, err
	}
	t, err := recorder.DialSession(s, o.Targets)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	ro := recorder.ReplayOptions{Ignore: append(side, o.Ignore...), Headers: o.Headers, Timeout: o.Timeout,
		Safe: o.Safe, DryRun: o.DryRun, MatchKeys: o.MatchKeys}
	out := &Replayed{Path: path, Session: s, DryRun: o.DryRun}
	out.Foreign = foreign(s, o.Targets)
	ro.Writes = o.Writes.recorder(out.Foreign != "")
	if o.Progress != nil && len(s.Exchanges) > ProgressOver {
		ro.Progress = func(done, total int) {
			if done%10 == 0 || done == total {
				o.Progress(done, total)
			}
		}
	}
	rp, err := recorder.NewReplayer(t, ro)
	if err != nil {
		return nil, err
	}
	if ro.Writes == recorder.WritesRefuse {
		if out.Report = refusal(ctx, rp, s, ro.Timeout); out.Report != nil {
			return out, nil
		}
	}
	if out.Report, err = rp.Replay(ctx, s); err != nil {
		return nil, err
	}
	return out, nil
}

// Verdict is the error the replay means, nil when every line was read
// and every exchange matched: Interrupted's when ctx (the replay's) has
// ended, ExitUnreachable when the target could not be reached, else
// ExitUsage (1) for a mismatch or an unreadable line.
func (r *Replayed) Verdict(ctx context.Context) error {
	switch {
	case ctx.Err() != nil:
		return Interrupted(ctx)
	case len(r.Refused()) > 0:
		return r.refusedError()
	case r.Report.Unreachable():
		return Exit(ExitUnreachable, errors.New("the target could not be reached: is the service running? check --target"))
	case r.Report.Failed > 0:
		return Exitf(ExitUsage, "%d of %d exchanges did not match", r.Report.Failed, len(r.Report.Results))
	case len(r.Session.Errors) > 0:
		return Exitf(ExitUsage, "%s: %d unreadable lines", r.Path, len(r.Session.Errors))
	}
	return nil
}

// Write writes the replay's outcome to w as format says: "json"
// (WriteReplayJSON), else the table (WriteReplay, or with verbose
// WriteReplayVerbose).
func (r *Replayed) Write(w io.Writer, format string, verbose bool) error {
	switch {
	case format == "json":
		return WriteReplayJSON(w, r)
	case verbose:
		return WriteReplayVerbose(w, r.Report)
	}
	return WriteReplay(w, r.Report)
}

// Interrupted is the error of a replay that ctx stopped (SIGINT,
// SIGTERM): ExitInterrupted, with the context's cause.
func Interrupted(ctx context.Context) error {
	why := context.Cause(ctx).Error() // "interrupt signal received"
	return Exitf(ExitInterrupted, "interrupted (%s): the replay stopped before it finished", why)
}

// ParseHeaders parses "Name: value" lines (replay's --header) into a
// header; a line with no colon or no name is an error naming it.
func ParseHeaders(lines []string) (http.Header, error) {
	h := http.Header{}
	for _, kv := range lines {
		k, v, ok := strings.Cut(kv, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("--header %q: want 'Name: value'", kv)
		}
		h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return h, nil
}

// SkippedLines is a ReplayOptions.Unreadable that writes each unreadable
// line of the file at path to w: "kitbench: PATH: line 7: … (skipped)",
// sanitized.
func SkippedLines(w io.Writer, path string) func(error) {
	return func(err error) {
		fmt.Fprintf(w, "kitbench: %s (skipped)\n", sanitize.Line(fmt.Sprintf("%s: %v", path, err), 0))
	}
}

// ProgressLine is a ReplayOptions.Progress for a terminal: "replaying
// 10/40" redrawn on one line of w, erased when the last is done.
func ProgressLine(w io.Writer) func(done, total int) {
	return func(done, total int) {
		fmt.Fprintf(w, "\rreplaying %d/%d", done, total)
		if done == total {
			fmt.Fprint(w, "\r\033[K")
		}
	}
}
