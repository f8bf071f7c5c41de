package recorder

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText writes the report for people: one row per exchange (number,
// pass or FAIL, the exchange, time), each failure's differences indented
// under it, and a summary line.
func (rep *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tRESULT\tEXCHANGE\tTIME")
	for i := range rep.Results {
		r := &rep.Results[i]
		verdict := "pass"
		if !r.OK() {
			verdict = "FAIL"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", r.Index+1, verdict, r.Name, r.Duration.Round(10*time.Microsecond))
		if r.Err != nil {
			fmt.Fprintf(tw, "\t\t    %s\n", r.Err)
		}
		for _, d := range r.Diffs {
			fmt.Fprintf(tw, "\t\t    %s\n", d)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d exchanges: %d passed, %d failed\n", len(rep.Results), rep.Passed, rep.Failed)
	return err
}

// WriteJSON writes the report for scripts: {"passed", "failed",
// "results": [{index, id, name, ok, duration_ns, diffs, error}]}.
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
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// DialSession returns Targets for replaying s. Each spec is
// "http://host:port" (HTTP exchanges), "grpc://host:port" (gRPC
// exchanges) or "host:port" (both). A transport no spec names goes to the
// target its first exchange was recorded against, if any.
func DialSession(s *Session, specs []string) (*Targets, error) {
	var httpAddr, grpcAddr string
	for _, spec := range specs {
		switch {
		case strings.HasPrefix(spec, "grpc://"):
			grpcAddr = strings.TrimPrefix(spec, "grpc://")
		case strings.HasPrefix(spec, "http://"), strings.HasPrefix(spec, "https://"):
			httpAddr = spec
		case strings.Contains(spec, "://"):
			return nil, fmt.Errorf("%w: target %q: want http://host:port, grpc://host:port or host:port", ErrReplay, spec)
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
	return Dial(httpAddr, grpcAddr)
}
