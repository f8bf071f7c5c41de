package recorder

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kitbench/kitbench/internal/sanitize"
)

// WriteText writes the report for people: one row per exchange (number,
// pass or FAIL, the exchange, time), each failure's differences indented
// under it, and a summary line. Recorded and replayed text is sanitized
// (internal/sanitize): no escape sequence, control, bidi or zero-width
// character from a session or a target is written, and a line break in
// one shows as "␤" instead of starting a row.
func (rep *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tRESULT\tEXCHANGE\tTIME")
	for i := range rep.Results {
		r := &rep.Results[i]
		verdict := "pass"
		if !r.OK() {
			verdict = "FAIL"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", r.Index+1, verdict, sanitize.Line(r.Name, 0), r.Duration.Round(10*time.Microsecond))
		if r.Err != nil {
			fmt.Fprintf(tw, "\t\t    %s\n", sanitize.Line(r.Err.Error(), 0))
		}
		for _, d := range r.Diffs {
			fmt.Fprintf(tw, "\t\t    %s\n", sanitize.Line(d.String(), 0))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d exchanges: %d passed, %d failed\n", len(rep.Results), rep.Passed, rep.Failed)
	return err
}

// WriteJSON writes the report for scripts: {"passed", "failed",
// "results": [{index, id, name, ok, duration_ns, diffs, error}]}. Strings
// keep their text, with controls, bidi and zero-width characters written
// as \u escapes (internal/sanitize.JSON).
func (rep *Report) WriteJSON(w io.Writer) error {
	type result struct {
		Index    int           `json:"index"`
		ID       string        `json:"id"`
		Name     string        `json:"name"`
		OK       bool          `json:"ok"`
		Duration time.Duration `json:"duration_ns"`
		Diffs    []Diff        `json:"diffs,omitempty"`
		Error    string        `json:"error,omitempty"`
	}
	out := struct {
		Passed  int      `json:"passed"`
		Failed  int      `json:"failed"`
		Results []result `json:"results"`
	}{Passed: rep.Passed, Failed: rep.Failed, Results: make([]result, len(rep.Results))}
	for i := range rep.Results {
		r := &rep.Results[i]
		out.Results[i] = result{Index: r.Index, ID: r.ID, Name: r.Name, OK: r.OK(), Duration: r.Duration, Diffs: r.Diffs}
		if r.Err != nil {
			out.Results[i].Error = r.Err.Error()
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := w.Write(sanitize.JSON(buf.Bytes()))
	return err
}

// DialSession returns Targets for replaying s. Each spec is
// "http://host:port" (HTTP exchanges), "grpc://host:port" (gRPC
// exchanges), "thrift://host:port" (Thrift exchanges) or "host:port"
// (HTTP and gRPC: Thrift listens on a port of its own). An HTTP or gRPC
// exchange no spec names goes to the target its transport's first
// exchange was recorded against, if any; a Thrift exchange to its own
// recorded target (ThriftTarget with no address).
func DialSession(s *Session, specs []string) (*Targets, error) {
	var httpAddr, grpcAddr, thriftAddr string
	for _, spec := range specs {
		switch {
		case strings.HasPrefix(spec, "grpc://"):
			grpcAddr = strings.TrimPrefix(spec, "grpc://")
		case strings.HasPrefix(spec, "thrift://"):
			thriftAddr = strings.TrimPrefix(spec, "thrift://")
		case strings.HasPrefix(spec, "http://"), strings.HasPrefix(spec, "https://"):
			httpAddr = spec
		case strings.Contains(spec, "://"):
			return nil, fmt.Errorf("%w: target %q: want http://host:port, grpc://host:port, thrift://host:port or host:port", ErrReplay, spec)
		default:
			httpAddr, grpcAddr = spec, spec
		}
	}
	for i := range s.Exchanges {
		ex := &s.Exchanges[i]
		switch {
		case ex.Target == "":
		case ex.Transport == TransportHTTP && httpAddr == "":
			httpAddr = ex.Target
		case ex.Transport == TransportGRPC && grpcAddr == "":
			grpcAddr = ex.Target
		}
	}
	t, err := Dial(httpAddr, grpcAddr)
	if err != nil {
		return nil, err
	}
	t.Thrift = ThriftTarget(thriftAddr)
	return t, nil
}
