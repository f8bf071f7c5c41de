package workbench

import (
	"bytes"
	"encoding/json"
	"io"
	"time"

	"github.com/kitbench/kitbench/internal/sanitize"
	"github.com/kitbench/kitbench/recorder"
)

// ReplayJSON is `kitbench replay -o json`'s output.
type ReplayJSON struct {
	Passed int `json:"passed"`
	Failed int `json:"failed"`
	// Skipped counts the exchanges not sent (a dry run, --only-safe, a
	// refused session's safe exchanges); they are neither passed nor
	// failed.
	Skipped int `json:"skipped"`
	// DryRun: nothing was sent.
	DryRun  bool               `json:"dry_run,omitempty"`
	Results []ReplayJSONResult `json:"results"`
}

// ReplayJSONResult is one exchange of a ReplayJSON.
type ReplayJSONResult struct {
	Index    int             `json:"index"`
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	OK       bool            `json:"ok"` // matched, or not sent without failing
	Duration time.Duration   `json:"duration_ns"`
	Diffs    []recorder.Diff `json:"diffs,omitempty"`
	Error    string          `json:"error,omitempty"`
	// Refused: the exchange may change data and was not sent.
	Refused bool `json:"refused,omitempty"`
	// Skipped says why it was not sent; empty when it was.
	Skipped string `json:"skipped,omitempty"`
	// Safety is whether it is safe to send again, and why.
	Safety recorder.Safety `json:"safety"`
	// TraceID is the fresh trace id the replayed request carried;
	// RecordedTraceID the recording's.
	TraceID         string `json:"trace_id,omitempty"`
	RecordedTraceID string `json:"recorded_trace_id,omitempty"`
	// Sent is, on a dry run, the request that would be sent (headers
	// redacted as recordings are).
	Sent *recorder.Request `json:"sent,omitempty"`
}

// NewReplayJSON is the ReplayJSON of a replay.
func NewReplayJSON(r *Replayed) ReplayJSON {
	rep := r.Report
	out := ReplayJSON{Passed: rep.Passed, Failed: rep.Failed, Skipped: rep.Skipped, DryRun: r.DryRun, Results: make([]ReplayJSONResult, len(rep.Results))}
	p := recorder.DefaultPolicy()
	for i := range rep.Results {
		res := &rep.Results[i]
		j := ReplayJSONResult{Index: res.Index, ID: res.ID, Name: res.Name, OK: res.OK(), Duration: res.Duration, Diffs: res.Diffs,
			Refused: refused(res), Skipped: res.Skipped, Safety: res.Safety, TraceID: res.TraceID, RecordedTraceID: res.RecordedTraceID}
		if res.Err != nil {
			j.Error = res.Err.Error()
		}
		if res.Sent != nil {
			s := *res.Sent
			s.Headers = p.Headers(s.Headers)
			if s.Body != nil && len(s.Body.JSON) > 0 {
				b := *s.Body
				b.JSON = p.JSON(b.JSON)
				s.Body = &b
			}
			j.Sent = &s
		}
		out.Results[i] = j
	}
	return out
}

// WriteReplayJSON writes NewReplayJSON(r) indented, with controls, bidi
// and zero-width characters in strings written as \u escapes
// (internal/sanitize.JSON).
func WriteReplayJSON(w io.Writer, r *Replayed) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(NewReplayJSON(r)); err != nil {
		return err
	}
	_, err := w.Write(sanitize.JSON(buf.Bytes()))
	return err
}
