package workbench

import (
	"strings"

	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/invoke"
	"github.com/kitbench/kitbench/recorder"
)

// Redacted copies r for printing with the recorder's redaction policy —
// the one a recording of the call gets — applied to everything but the
// answer's status: the URL and the method's path, the headers and
// trailers, the request and response bodies and the message.
func Redacted(r *invoke.Result) *invoke.Result {
	p := recorder.DefaultPolicy()
	c := *r
	c.URL = p.URL(r.URL)
	if verb, uri, ok := strings.Cut(r.Method, " "); ok && r.Transport == invoke.HTTP {
		c.Method = verb + " " + p.URL(uri)
	}
	c.RequestHeader = p.Headers(r.RequestHeader)
	c.Header = p.Headers(r.Header)
	c.Trailer = p.Headers(r.Trailer)
	if r.RequestBody != nil {
		c.RequestBody = p.JSON(r.RequestBody)
	}
	if r.Body != nil {
		c.Body = p.JSON(r.Body)
	}
	c.Message = p.Text(r.Message)
	return &c
}

// Envelope is `kitbench call -o json`'s output for one call.
type Envelope struct {
	Service  string `json:"service"`
	Instance string `json:"instance"`
	*invoke.Result
	Error string `json:"error,omitempty"` // the failure the answer means
}

// NewEnvelope is the envelope of inst's answer r, redacted, and the error
// the answer means (ResultError).
func NewEnvelope(service string, inst sd.Instance, r *invoke.Result) (Envelope, error) {
	shown := Redacted(r)
	env := Envelope{Service: service, Instance: inst.ID, Result: shown}
	err := ResultError(inst.ID, shown)
	if err != nil {
		env.Error = err.Error()
	}
	return env, err
}

// Comparison is `kitbench call --all -o json`'s output.
type Comparison struct {
	Service   string     `json:"service"`
	Reference string     `json:"reference"` // the instance the others are compared with
	Instances []Compared `json:"instances"`
}

// Compared is one instance's answer in a Comparison.
type Compared struct {
	Instance string         `json:"instance"`
	Same     bool           `json:"same"`
	Diff     []string       `json:"diff,omitempty"`
	Error    string         `json:"error,omitempty"`  // why there is no answer
	Result   *invoke.Result `json:"result,omitempty"` // the answer, redacted
}

// NewComparison is the Comparison of outs, whose reference is outs[ref],
// with every answer redacted.
func NewComparison(service string, outs []invoke.Outcome, ref int) Comparison {
	items := make([]Compared, len(outs))
	for i, oc := range outs {
		items[i] = Compared{Instance: oc.Instance, Same: oc.Same, Diff: oc.Diff}
		if oc.Err != nil {
			items[i].Error = oc.Err.Error()
		} else {
			items[i].Result = Redacted(oc.Result)
		}
	}
	return Comparison{Service: service, Reference: outs[ref].Instance, Instances: items}
}
