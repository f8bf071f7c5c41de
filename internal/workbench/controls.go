package workbench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/user"
	"slices"
	"strings"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/introspect"
)

// Control operations.
const (
	OpSet      = "set"      // set the control of Kind on Name
	OpClear    = "clear"    // clear it; with no Name, every control of Kind
	OpList     = "list"     // list the controls in force
	OpClearAll = "clearall" // clear every control, of every kind
)

// ControlOp is one control command of `kitbench fault|breaker|limit|drain`
// against the instances of a service.
type ControlOp struct {
	// Target is SERVICE, SERVICE/INSTANCE or SERVICE.NAME (as for
	// `kitbench call`); with Source.Target, the admin listener's
	// host:port is the one instance and Target only names the service.
	Target string
	// Name is the endpoint, breaker or limiter; empty when Target holds
	// it (SERVICE.NAME) or for a drain or a list. It is matched against
	// what the instance offers: exactly, else by its last dotted part.
	Name string
	Op   string // OpSet, OpClear, OpList or OpClearAll
	Kind string // wire.ControlFault, wire.ControlBreaker, …
	// Request is what OpSet sends.
	Request wire.ControlRequest
	// NeedInstance refuses a Target that names no single instance
	// (drain: a whole service is never drained by accident).
	NeedInstance bool
}

// ControlResult is one instance's answer to a ControlOp.
type ControlResult struct {
	Service  string               `json:"service"`
	Instance string               `json:"instance"`
	Admin    string               `json:"admin"`
	Changes  []wire.ControlChange `json:"changes,omitempty"`
	Controls *wire.ControlList    `json:"controls,omitempty"` // OpList
	Error    string               `json:"error,omitempty"`
	err      error
}

// RunControl resolves op's instances as `kitbench call` does and sends
// op to each admin listener, with ctx's admin token. It fails when op
// names nothing to control, or when no instance accepted it; the error
// then says what to do (enable controls, pass a token, …).
func RunControl(ctx context.Context, src Source, op ControlOp) ([]ControlResult, error) {
	service, inst, name, err := splitControlTarget(op.Target)
	if err != nil {
		return nil, Exit(ExitUsage, err)
	}
	if op.Name == "" {
		op.Name = name
	}
	if inst != "" {
		src.Instance = inst
	}
	if op.NeedInstance && src.Instance == "" && src.Target == "" {
		return nil, Exitf(ExitUsage, "%q names a whole service: name one instance, SERVICE/INSTANCE (see 'kitbench list')", op.Target)
	}
	insts, err := Candidates(ctx, src, service)
	if err != nil {
		return nil, Classify(err)
	}
	slices.SortFunc(insts, func(a, b sd.Instance) int { return strings.Compare(a.ID, b.ID) })
	var out []ControlResult
	for _, in := range insts {
		r := controlOne(ctx, src, in, op)
		if r.err != nil {
			r.Error = r.err.Error()
		}
		out = append(out, r)
	}
	return out, controlFailure(out)
}

// ControlInstance sends op to one instance already resolved (the
// dashboard's, from the hub) as RunControl does to each instance it
// finds, with ctx's admin token; op.Target is not read. The error is the
// result's, saying what to do as RunControl's does.
func ControlInstance(ctx context.Context, in sd.Instance, op ControlOp) (ControlResult, error) {
	r := controlOne(ctx, Source{}, in, op)
	if r.err != nil {
		r.Error = r.err.Error()
	}
	return r, r.err
}

// splitControlTarget splits SERVICE, SERVICE/INSTANCE and SERVICE.NAME.
func splitControlTarget(t string) (service, inst, name string, err error) {
	t = strings.TrimSpace(t)
	service, inst, _ = strings.Cut(t, "/")
	if s, n, ok := strings.Cut(service, "."); ok && inst == "" {
		service, name = s, n
	}
	if service == "" || strings.Contains(inst, "/") {
		return "", "", "", fmt.Errorf("%q: want SERVICE, SERVICE/INSTANCE or SERVICE.NAME, e.g. bookstore/bookstore-2 (see 'kitbench list')", t)
	}
	return service, inst, name, nil
}

func controlOne(ctx context.Context, src Source, in sd.Instance, op ControlOp) (r ControlResult) {
	r = ControlResult{Service: in.Service, Instance: in.ID}
	opts := introspect.Options{Token: AdminToken(ctx), Actor: Actor(), Timeout: 10 * time.Second,
		HTTPClient: &http.Client{Transport: &http.Transport{}}}
	defer opts.HTTPClient.CloseIdleConnections()
	var c *introspect.Client
	if src.Target != "" {
		c, r.err = introspect.New(src.Target, opts)
	} else {
		c, r.err = introspect.NewForInstance(in, opts)
	}
	if r.err != nil {
		return r
	}
	r.Admin = c.Base()
	list, err := c.Controls(ctx)
	if err != nil {
		r.err = explain(err, in.ID)
		return r
	}
	switch op.Op {
	case OpList:
		r.Controls = &list
		return r
	case OpClearAll:
		r.Changes, r.err = c.ClearControls(ctx)
		r.err = explain(r.err, in.ID)
		return r
	}
	if !list.Enabled && op.Op == OpSet {
		r.err = also{fmt.Errorf("%s has not enabled controls: the service must turn them on (kit/instance Config.Controls, or introspect.WithControls)", in.ID), introspect.ErrForbidden}
		return r
	}
	target := op.Name
	if op.Kind != wire.ControlDrain {
		if target, r.err = matchName(op, list, in.ID); r.err != nil {
			return r
		}
	}
	if op.Op == OpClear && target == "" {
		for _, ctl := range list.Controls {
			if ctl.Kind == op.Kind {
				ch, err := c.ClearControl(ctx, ctl.Kind, ctl.Target)
				if err != nil {
					r.err = explain(err, in.ID)
					return r
				}
				r.Changes = append(r.Changes, ch)
			}
		}
		return r
	}
	var ch wire.ControlChange
	if op.Op == OpClear {
		ch, err = c.ClearControl(ctx, op.Kind, target)
	} else {
		ch, err = c.SetControl(ctx, op.Kind, target, op.Request)
	}
	if err != nil {
		r.err = explain(err, in.ID)
		return r
	}
	r.Changes = []wire.ControlChange{ch}
	return r
}

// matchName finds op.Name among what the instance offers for op.Kind:
// exactly, else as the last dotted part of one name. An empty Name
// matches nothing, which OpClear reads as "all".
func matchName(op ControlOp, list wire.ControlList, id string) (string, error) {
	var names []string
	what := map[string]string{wire.ControlFault: "fault endpoint", wire.ControlBreaker: "breaker", wire.ControlLimiter: "limiter"}[op.Kind]
	switch op.Kind {
	case wire.ControlFault:
		names = list.FaultEndpoints
	case wire.ControlBreaker:
		names = list.Breakers
	case wire.ControlLimiter:
		names = list.Limiters
	}
	if op.Name == "" {
		if op.Op == OpClear {
			return "", nil
		}
		if len(names) == 1 && op.Kind == wire.ControlLimiter {
			return names[0], nil
		}
		return "", also{fmt.Errorf("name the %s: %s offers %s", what, id, orNone(names)), introspect.ErrNoControlTarget}
	}
	if slices.Contains(names, op.Name) {
		return op.Name, nil
	}
	var hits []string
	for _, n := range names {
		if n[strings.LastIndex(n, ".")+1:] == op.Name {
			hits = append(hits, n)
		}
	}
	if len(hits) == 1 {
		return hits[0], nil
	}
	return "", also{fmt.Errorf("%s has no %s %q; it offers %s", id, what, op.Name, orNone(names)), introspect.ErrNoControlTarget}
}

// also is err that matches sentinel too, with err's text.
type also struct{ err, sentinel error }

func (e also) Error() string   { return e.err.Error() }
func (e also) Unwrap() []error { return []error{e.err, e.sentinel} }

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// explain adds what to do to a control request's error.
func explain(err error, id string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, introspect.ErrUnauthorized):
		return fmt.Errorf("%s needs its admin token: pass --admin-token or set %s: %w", id, AdminTokenEnv, err)
	case errors.Is(err, introspect.ErrForbidden):
		return fmt.Errorf("%s refused the control: %w", id, err)
	}
	return err
}

// controlFailure is RunControl's error: nil when an instance accepted
// op; else the first instance's error, with an exit status by kind.
func controlFailure(rs []ControlResult) error {
	var first error
	for _, r := range rs {
		if r.err == nil {
			return nil
		}
		first = cmpOr(first, r.err)
	}
	if first == nil {
		return nil
	}
	if len(rs) > 1 {
		first = fmt.Errorf("no instance accepted the control; %s: %w", rs[0].Instance, first)
	}
	switch {
	case errors.Is(first, introspect.ErrUnauthorized), errors.Is(first, introspect.ErrForbidden),
		errors.Is(first, introspect.ErrBadControl), errors.Is(first, introspect.ErrNoControlTarget):
		return Exit(ExitUsage, first)
	}
	return Exit(ExitUnreachable, first)
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// Actor names the person at the keyboard for control events: "USER via
// kitbench on HOST".
func Actor() string {
	name := "someone"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	s := name + " via kitbench"
	if h, err := os.Hostname(); err == nil && h != "" {
		s += " on " + h
	}
	return s
}
