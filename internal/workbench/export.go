package workbench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/transport"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/recorder"
	"google.golang.org/grpc/codes"
)

// ExportTool is the header's tool in the sessions Export writes.
const ExportTool = "kitbench dashboard export"

// FailureLookback is how long before a breaker's failure Export looks for
// the call that failed: the breaker notes the failure when the call
// returns, and the ring keeps when it started.
const FailureLookback = time.Minute

// failureSlack absorbs the gap between the breaker's clock reading and the
// ring's, both taken inside the same call on the same clock.
const failureSlack = 100 * time.Millisecond

// ExportPart is what Export takes from one instance's exchange ring.
type ExportPart struct {
	// Instance is the instance to read, as the hub names it.
	Instance hub.Key
	// Trace, when set, takes every exchange of that trace id.
	Trace string
	// Failures, when set, takes the failed exchanges that are these
	// failures (a breaker's report): by trace id, or, for an untraced
	// one, the failed exchange of Endpoint that was in flight at its time.
	Failures []wire.BreakerFailure
	// Endpoint narrows Failures and Before to one endpoint; empty means
	// any.
	Endpoint string
	// Before is how many successful exchanges from just before the first
	// failure to take; zero takes none.
	Before int
}

// ExportOptions configure Export.
type ExportOptions struct {
	// Dir is the project directory: the file goes to its SessionsDir.
	// Empty means the working directory.
	Dir string
	// Name is the file's stem; Export keeps letters, digits, '.', '-' and
	// '_', and adds the time and ".kitrec". Empty means "export".
	Name string
	// Parts say what to take from which instance.
	Parts []ExportPart
	// Fleet is where the parts' instances are found (by key, else by a
	// unique instance id), and a healthy peer for the replay lines.
	Fleet []hub.Instance
	// Now names the file; nil means time.Now.
	Now func() time.Time
}

// Exported is what Export wrote.
type Exported struct {
	Captured
	// Wanted counts the failures asked for; Failures the failed exchanges
	// found for them; Successes the successful calls taken before them.
	Wanted, Failures, Successes int
	// Lines are the commands that replay the file.
	Lines []string
}

// Export pulls from each part's instance the exchanges it asks for — a
// trace's, or a breaker's failures and the successes just before them —
// merges them in time order and writes them, redacted, to a new session
// file (mode 0600) in o.Dir's SessionsDir. Captured.Path is relative to
// o.Dir. An instance that cannot be read is reported in its CapturedFrom
// and the others are still taken; when nothing matches, no file is
// written and the error says why.
func Export(ctx context.Context, o ExportOptions) (*Exported, error) {
	res := &Exported{}
	var all []recorder.Exchange
	seen := map[string]bool{}
	var read int
	for _, p := range o.Parts {
		from := CapturedFrom{Instance: p.Instance.InstanceID}
		inst, ok := fleetInstance(o.Fleet, p.Instance)
		var exs []recorder.Exchange
		switch {
		case !ok:
			from.Err = fmt.Errorf("%s is not in the fleet the dashboard sees", p.Instance)
		default:
			var fails, succ int
			exs, fails, succ, from.Dropped, from.Err = exportPart(ctx, inst, p)
			res.Wanted += len(p.Failures)
			res.Failures, res.Successes = res.Failures+fails, res.Successes+succ
		}
		if from.Err == nil {
			read++
		}
		for _, ex := range exs {
			if k := ex.Instance + "\x00" + ex.ID; !seen[k] {
				seen[k] = true
				all = append(all, ex)
				from.Count++
			}
		}
		res.From = append(res.From, from)
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if read == 0 {
		errs := make([]error, 0, len(res.From))
		for _, f := range res.From {
			errs = append(errs, fmt.Errorf("%s: %w", f.Instance, f.Err))
		}
		return res, fmt.Errorf("no instance could be read: %w", errors.Join(errs...))
	}
	if len(all) == 0 {
		return res, errors.New("the instances' rings hold none of these exchanges any more (they keep only the recent past); no file written")
	}
	if err := ProjectDir(o.Dir, SessionsDir); err != nil {
		return res, err
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	slices.SortStableFunc(all, func(a, b recorder.Exchange) int { return a.Time.Compare(b.Time) })
	if err := res.write(o.Dir, fileStem(o.Name)+"-"+now().UTC().Format("20060102-150405"), all); err != nil {
		return res, err
	}
	res.Total = len(all)
	res.Lines = replayLines(res.Path, all, o.Fleet)
	return res, nil
}

// write puts exs into a new file named after stem in dir's SessionsDir:
// stem.kitrec, else stem-2.kitrec and on, never replacing a file.
func (res *Exported) write(dir, stem string, exs []recorder.Exchange) error {
	for n := 1; n <= 100; n++ {
		name := stem + ".kitrec"
		if n > 1 {
			name = fmt.Sprintf("%s-%d.kitrec", stem, n)
		}
		path := filepath.Join(dir, SessionsDir, name)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return err
		}
		_ = f.Close() // claimed; writeSession fills it
		res.Path = filepath.Join(SessionsDir, name)
		if err := writeSession(path, recorder.Header{Service: exs[0].Service, Tool: ExportTool}, exs); err != nil {
			_ = os.Remove(path)
			res.Path = ""
			return err
		}
		return nil
	}
	return fmt.Errorf("%s: 100 exports named %s already; remove some", SessionsDir, stem)
}

// exportPart takes what p asks for from inst's ring.
func exportPart(ctx context.Context, inst sd.Instance, p ExportPart) (out []recorder.Exchange, fails, succ int, dropped uint64, err error) {
	if p.Trace != "" {
		exs, d, err := pullExchanges(ctx, inst, wire.ExchangeQuery{Trace: p.Trace})
		out, dropped = append(out, exs...), d
		if err != nil {
			return out, 0, 0, dropped, err
		}
	}
	if len(p.Failures) == 0 {
		return out, 0, 0, dropped, nil
	}
	first, last := p.Failures[0].Time, p.Failures[0].Time
	for _, f := range p.Failures {
		first, last = minTime(first, f.Time), maxTime(last, f.Time)
	}
	q := wire.ExchangeQuery{Failed: true, Since: first.Add(-FailureLookback), Until: last.Add(failureSlack)}
	failed, d, err := pullExchanges(ctx, inst, q)
	dropped += d
	if err != nil {
		return out, 0, 0, dropped, err
	}
	var untraced []recorder.Exchange
	if p.Endpoint != "" {
		q.Endpoint = p.Endpoint
		if untraced, d, err = pullExchanges(ctx, inst, q); err != nil {
			return out, 0, 0, dropped + d, err
		}
		dropped += d
	} else {
		untraced = failed
	}
	found := matchFailures(p.Failures, failed, untraced)
	out = append(out, found...)
	if p.Before <= 0 {
		return out, len(found), 0, dropped, nil
	}
	until := first
	for _, ex := range found {
		until = minTime(until, ex.Time)
	}
	before, d, err := pullExchanges(ctx, inst, wire.ExchangeQuery{Until: until, Endpoint: p.Endpoint})
	dropped += d
	if err != nil {
		return out, len(found), 0, dropped, err
	}
	before = slices.DeleteFunc(before, func(ex recorder.Exchange) bool { return !succeeded(ex) })
	before = before[max(0, len(before)-p.Before):]
	return append(out, before...), len(found), len(before), dropped, nil
}

// matchFailures finds each failure's exchange: a traced one by its trace
// id among failed, an untraced one among untraced (the endpoint's
// failures) as the exchange in flight at its time, the one that ended
// closest to it.
func matchFailures(fs []wire.BreakerFailure, failed, untraced []recorder.Exchange) []recorder.Exchange {
	used := map[string]bool{}
	var out []recorder.Exchange
	take := func(ex recorder.Exchange) {
		used[ex.ID] = true
		out = append(out, ex)
	}
	for _, f := range fs {
		if f.TraceID == "" {
			continue
		}
		for _, ex := range failed {
			if !used[ex.ID] && strings.EqualFold(ex.TraceID, f.TraceID) {
				take(ex)
			}
		}
	}
	for _, f := range fs {
		if f.TraceID != "" {
			continue
		}
		best, gap := -1, time.Duration(0)
		for i, ex := range untraced {
			end := ex.Time.Add(ex.Duration)
			if used[ex.ID] || f.Time.Before(ex.Time.Add(-failureSlack)) || f.Time.After(end.Add(failureSlack)) {
				continue
			}
			if g := end.Sub(f.Time).Abs(); best < 0 || g < gap {
				best, gap = i, g
			}
		}
		if best >= 0 {
			take(untraced[best])
		}
	}
	return out
}

// succeeded reports whether ex is a call that worked: a response whose
// status kit classes as a success.
func succeeded(ex recorder.Exchange) bool {
	if ex.Error != "" {
		return false
	}
	status := ex.Response.Status
	if ex.Transport == recorder.TransportGRPC {
		status = kitgrpc.HTTPStatus(codes.Code(ex.Response.GRPCCode))
	}
	return status > 0 && transport.ClassOfStatus(status) == transport.Success
}

// fleetInstance finds k in fleet: by key, else by a unique instance id (a
// static target's key names no service, an ejection breaker names one).
func fleetInstance(fleet []hub.Instance, k hub.Key) (sd.Instance, bool) {
	var byID []hub.Instance
	for _, in := range fleet {
		if in.Key == k {
			return FromHub(in), true
		}
		if in.InstanceID == k.InstanceID {
			byID = append(byID, in)
		}
	}
	if len(byID) == 1 {
		return FromHub(byID[0]), true
	}
	return sd.Instance{}, false
}

// fileStem keeps the characters a file name can hold everywhere.
func fileStem(name string) string {
	s := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '-'
	}, name)
	s = strings.Trim(s, ".-")
	if len(s) > 80 {
		s = s[:80]
	}
	return cmp.Or(s, "export")
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
