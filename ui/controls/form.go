package controls

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/components"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/styles"
)

// DefaultFor is how long a control set from the dashboard holds unless
// its form says otherwise: long enough to watch what it does, short
// enough that a forgotten one soon reverts.
const DefaultFor = time.Minute

// MaxFor is the longest a control may be asked to hold: the most any
// instance accepts (wire.MaxControlTTL).
const MaxFor = wire.MaxControlTTL

// Errors of a form's values; the form shows them and sends nothing.
var (
	ErrFor     = errors.New("for: give a duration such as 40s or 5m, at most 1h")
	ErrLatency = errors.New("latency: give a duration such as 200ms, at most 1m")
	ErrShare   = errors.New("rate: give a fraction of the calls from 0 to 1, e.g. 0.5 (above 0)")
	ErrRate    = errors.New("rate: give the calls per second the limiter allows, above 0, e.g. 5 or 0.5")
	ErrBurst   = errors.New("burst: give a whole number of calls, 0 keeps the limiter's own")
)

// ParseFor reads a form's "for" field: a positive duration up to MaxFor.
func ParseFor(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d <= 0 || d > MaxFor {
		return 0, ErrFor
	}
	return d, nil
}

// ParseShare reads a fraction of calls: above 0, at most 1.
func ParseShare(s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !(f > 0 && f <= 1) {
		return 0, ErrShare
	}
	return f, nil
}

// Fault kinds of the fault form, in the order its choice cycles.
const (
	FaultLatency = "latency"
	FaultError   = "error rate"
	FaultAbort   = "abort"
)

// AllEndpoints is the fault form's choice of every endpoint.
const AllEndpoints = "all endpoints"

// field is one line of a form: a choice (cycled) or a text input.
type field struct {
	label   string
	choices []string // nil for a text field
	choice  int
	input   components.Input
	hint    string
}

func (f *field) value() string {
	if f.choices != nil {
		return f.choices[f.choice]
	}
	return f.input.Value()
}

// Form is a small form that builds a control request: what it changes
// and how, for how long. Submitting validates the fields and, when they
// are right, gives the request and the question that names it; nothing
// is sent from a form.
type Form struct {
	title  string
	fields []*field
	focus  int
	err    string
	// build validates the values and makes the request and its question.
	build func(vals []string) (ui.ControlMsg, string, error)
	// changed is called when a choice changes, to update other fields.
	changed func(f *Form)
}

func newField(st *styles.Styles, km keys.Input, label, value, hint string) *field {
	f := &field{label: label, hint: hint, input: components.NewInput(st, km, "")}
	f.input.SetValue(value)
	return f
}

// Label names an instance in a question or a row: its ID when it already
// starts with the service's name ("bookstore-2"), else service/ID.
func Label(k hub.Key) string {
	if strings.HasPrefix(k.InstanceID, k.Service) {
		return k.InstanceID
	}
	return k.String()
}

// FaultForm is the form that injects a fault into an instance: which
// endpoint (all, or one of endpoints), which fault (latency, error rate,
// abort), how much, and for how long (DefaultFor).
func FaultForm(st *styles.Styles, km keys.Map, k hub.Key, endpoints []string) *Form {
	eps := append([]string{AllEndpoints}, endpoints...)
	f := &Form{title: "Inject a fault into " + Label(k), fields: []*field{
		{label: "endpoint", choices: eps},
		{label: "fault", choices: []string{FaultLatency, FaultError, FaultAbort}},
		newField(st, km.Input, "latency", "200ms", "each call waits this long first (at most 1m)"),
		newField(st, km.Input, "for", DefaultFor.String(), "then it reverts by itself (at most 1h)"),
	}}
	f.changed = func(f *Form) {
		amount := f.fields[2]
		switch f.fields[1].value() {
		case FaultLatency:
			amount.label, amount.hint = "latency", "each call waits this long first (at most 1m)"
			amount.input.SetValue("200ms")
		case FaultError:
			amount.label, amount.hint = "rate", "fraction of calls that fail with 503, 0 to 1"
			amount.input.SetValue("1")
		case FaultAbort:
			amount.label, amount.hint = "rate", "fraction of calls the transport aborts, 0 to 1"
			amount.input.SetValue("1")
		}
	}
	f.build = func(v []string) (ui.ControlMsg, string, error) {
		ttl, err := ParseFor(v[3])
		if err != nil {
			return ui.ControlMsg{}, "", err
		}
		var fault wire.Fault
		switch v[1] {
		case FaultLatency:
			d, err := time.ParseDuration(strings.TrimSpace(v[2]))
			if err != nil || d <= 0 || d > time.Minute {
				return ui.ControlMsg{}, "", ErrLatency
			}
			fault.Latency = wire.Duration(d)
		case FaultError, FaultAbort:
			share, err := ParseShare(v[2])
			if err != nil {
				return ui.ControlMsg{}, "", err
			}
			if v[1] == FaultError {
				fault.ErrorRate = share
			} else {
				fault.AbortRate = share
			}
		}
		target, where := v[0], Label(k)+" "+v[0]
		if target == AllEndpoints {
			target, where = "", "every endpoint of "+Label(k)
		}
		what := hub.FaultSummary(fault) + " into " + where + " for " + components.Duration(ttl)
		req := ui.ControlMsg{Instance: k, Kind: wire.ControlFault, Target: target,
			Request: wire.ControlRequest{TTL: wire.Duration(ttl), Fault: &fault}, What: "inject " + what}
		return req, "Inject " + what + "?", nil
	}
	return f
}

// LimitForm is the form that overrides a limiter's rate and burst (its
// current ones filled in) for a while.
func LimitForm(st *styles.Styles, km keys.Map, k hub.Key, l wire.Limiter) *Form {
	f := &Form{title: "Change limiter " + l.Name + " on " + Label(k), fields: []*field{
		newField(st, km.Input, "rate", strconv.FormatFloat(l.Rate, 'g', -1, 64), "calls per second it allows"),
		newField(st, km.Input, "burst", strconv.Itoa(l.Burst), "calls at once; 0 keeps its own"),
		newField(st, km.Input, "for", DefaultFor.String(), "then it reverts by itself (at most 1h)"),
	}}
	f.build = func(v []string) (ui.ControlMsg, string, error) {
		rate, err := strconv.ParseFloat(strings.TrimSpace(v[0]), 64)
		if err != nil || rate <= 0 {
			return ui.ControlMsg{}, "", ErrRate
		}
		burst, err := strconv.Atoi(strings.TrimSpace(v[1]))
		if err != nil || burst < 0 {
			return ui.ControlMsg{}, "", ErrBurst
		}
		ttl, err := ParseFor(v[2])
		if err != nil {
			return ui.ControlMsg{}, "", err
		}
		lim := wire.Limit{Rate: rate, Burst: burst}
		what := fmt.Sprintf("limiter %s on %s to %s (now %s) for %s", l.Name, Label(k), hub.LimitSummary(lim),
			hub.LimitSummary(wire.Limit{Rate: l.Rate, Burst: l.Burst}), components.Duration(ttl))
		req := ui.ControlMsg{Instance: k, Kind: wire.ControlLimiter, Target: l.Name,
			Request: wire.ControlRequest{TTL: wire.Duration(ttl), Limit: &lim}, What: "set " + what}
		return req, "Set " + what + "?", nil
	}
	return f
}

// values are the fields' values, in order.
func (f *Form) values() []string {
	out := make([]string, len(f.fields))
	for i, fl := range f.fields {
		out[i] = fl.value()
	}
	return out
}

// Submit validates the form: the request and the question that names it,
// or the error it now shows.
func (f *Form) Submit() (ui.ControlMsg, string, bool) {
	req, q, err := f.build(f.values())
	if err != nil {
		f.err = err.Error()
		return ui.ControlMsg{}, "", false
	}
	f.err = ""
	return req, q, true
}

// Set puts value in the field labelled label (a choice must be one of
// its choices), for tests and for a form opened on a known target.
func (f *Form) Set(label, value string) bool {
	for _, fl := range f.fields {
		if fl.label != label {
			continue
		}
		if fl.choices == nil {
			fl.input.SetValue(value)
			return true
		}
		if i := slices.Index(fl.choices, value); i >= 0 {
			fl.choice = i
			if f.changed != nil {
				f.changed(f)
			}
			return true
		}
	}
	return false
}

// Err is the error the last Submit showed, empty when none.
func (f *Form) Err() string { return f.err }
