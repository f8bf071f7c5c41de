package workbench

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/kitbench/kitbench/internal/sanitize"
	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/introspect"
	"github.com/kitbench/kitbench/recorder"
)

// CaptureTool is the header's tool in the sessions Capture writes.
const CaptureTool = "kitbench capture"

// MaxCapture bounds how many exchanges Capture takes from one instance
// (ten full pages); an instance's ring holds far fewer by default.
const MaxCapture = 10 * wire.MaxExchangeLimit

// CaptureOptions configure Capture. The zero value takes every exchange
// every instance of the service still holds.
type CaptureOptions struct {
	// Source finds the instances; Source.Instance picks one.
	Source Source
	// Query filters the exchanges (Since, Until, Endpoint, Failed,
	// Trace); its After and Limit are Capture's to set.
	Query wire.ExchangeQuery
	// Ignore is written into the session's header: JSON paths replay does
	// not compare. Nil writes none.
	Ignore []string
}

// Captured is what Capture took, per instance.
type Captured struct {
	// Path is the session file written.
	Path string
	// Total is how many exchanges the file holds.
	Total int
	// From lists each instance asked, sorted by id.
	From []CapturedFrom
}

// CapturedFrom is one instance's part of a capture.
type CapturedFrom struct {
	Instance string
	// Count is how many exchanges were taken from it.
	Count int
	// Dropped counts exchanges that left its ring while it was read.
	Dropped uint64
	// Err says why nothing (or not everything) was taken: no admin
	// listener, no ring (introspect.ErrNoExchanges), unreachable.
	Err error
}

// Capture pulls the exchanges matching o.Query from the exchange ring of
// every instance of service that o.Source finds (GET
// /debug/kit/v1/exchanges, with each instance's admin token), merges
// them in time order and writes them to the session file at path (mode
// 0600; an existing file is replaced). They arrive redacted and are
// written through recorder's writer, which redacts again. An instance
// that cannot be read is reported in its CapturedFrom and the others are
// still taken; when no instance could be read, or none holds a matching
// exchange, Capture writes no file and says so.
func Capture(ctx context.Context, service, path string, o CaptureOptions) (*Captured, error) {
	cands, err := captureCandidates(ctx, o.Source, service)
	if err != nil {
		return nil, Exit(ExitUnreachable, err)
	}
	slices.SortFunc(cands, func(a, b sd.Instance) int { return cmp.Compare(a.ID, b.ID) })
	res := &Captured{Path: path}
	var all []recorder.Exchange
	var read int
	for _, inst := range cands {
		from := CapturedFrom{Instance: inst.ID}
		exs, dropped, err := pullExchanges(ctx, inst, o.Query)
		from.Count, from.Dropped, from.Err = len(exs), dropped, err
		if err == nil {
			read++
		}
		all = append(all, exs...)
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
		return res, Exit(ExitUnreachable, fmt.Errorf("no instance of %s could be read: %w", service, errors.Join(errs...)))
	}
	if len(all) == 0 {
		return res, Exitf(ExitUsage, "no exchange of %s matches (widen --since, or drop a filter); no file written", service)
	}
	slices.SortStableFunc(all, func(a, b recorder.Exchange) int { return a.Time.Compare(b.Time) })
	if err := writeSession(path, recorder.Header{Service: service, Tool: CaptureTool, Ignore: o.Ignore}, all); err != nil {
		return res, err
	}
	res.Total = len(all)
	return res, nil
}

// writeSession writes exs to a new session file at path (mode 0600; an
// existing file is replaced), through recorder's writer, which redacts.
func writeSession(path string, h recorder.Header, exs []recorder.Exchange) error {
	w, err := recorder.Create(path, h, recorder.WriteOptions{})
	if err != nil {
		return err
	}
	for _, ex := range exs {
		if err := w.Append(ex); err != nil {
			_ = w.Close()
			return err
		}
	}
	return w.Close()
}

// pullExchanges reads every page of inst's exchanges matching q, up to
// MaxCapture.
func pullExchanges(ctx context.Context, inst sd.Instance, q wire.ExchangeQuery) ([]recorder.Exchange, uint64, error) {
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c, err := introspect.NewForInstance(inst, introspect.Options{Token: AdminToken(ctx), HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		return nil, 0, err
	}
	q.After, q.Limit = 0, wire.MaxExchangeLimit
	var out []recorder.Exchange
	var dropped uint64
	for len(out) < MaxCapture {
		page, err := c.Exchanges(ctx, q)
		if err != nil {
			return out, dropped, err
		}
		s, err := recorder.Read(bytes.NewReader(page.Session), recorder.ReadOptions{})
		if err != nil {
			return out, dropped, fmt.Errorf("%s: the exchanges do not read as a session: %w", c.Base(), err)
		}
		for _, ex := range s.Exchanges {
			if ex.Instance == "" {
				ex.Instance = inst.ID
			}
			if ex.Transport == recorder.TransportThrift && ex.Target == "" {
				ex.Target = inst.Meta[sd.MetaThrift] // where replay sends it by default
			}
			out = append(out, ex)
		}
		dropped += page.Dropped
		if !page.More || page.Next <= q.After {
			break
		}
		q.After = page.Next
	}
	return out, dropped, nil
}

// captureCandidates are the instances to read: those discovery finds, or,
// with src.Target, the admin listener at that address.
func captureCandidates(ctx context.Context, src Source, service string) ([]sd.Instance, error) {
	if src.Target == "" {
		return Candidates(ctx, src, service)
	}
	if _, _, err := net.SplitHostPort(src.Target); err != nil {
		return nil, fmt.Errorf("--target %q: want the admin listener's host:port", src.Target)
	}
	return []sd.Instance{{ID: src.Target, Service: service, Meta: map[string]string{sd.MetaAdmin: src.Target}}}, nil
}

// WriteText says what the capture took from where, one line an instance,
// then the total: for people.
func (c *Captured) WriteText(w io.Writer) error {
	for _, f := range c.From {
		line := fmt.Sprintf("  %-24s %5d exchanges", cell(f.Instance), f.Count)
		if f.Dropped > 0 {
			line += fmt.Sprintf(" (%d left the ring while it was read)", f.Dropped)
		}
		if f.Err != nil {
			line += "  " + sanitize.Line(f.Err.Error(), 0)
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	if c.Total == 0 {
		return nil
	}
	n, unit := c.instances(), "instances"
	if n == 1 {
		unit = "instance"
	}
	_, err := fmt.Fprintf(w, "wrote %d exchanges from %d %s to %s\n", c.Total, n, unit, sanitize.Line(c.Path, 0))
	return err
}

func (c *Captured) instances() int {
	n := 0
	for _, f := range c.From {
		if f.Count > 0 {
			n++
		}
	}
	return n
}

// Since turns a --since duration into the query's bound, relative to now;
// zero is no bound.
func Since(d time.Duration, now time.Time) time.Time {
	if d <= 0 {
		return time.Time{}
	}
	return now.Add(-d)
}
