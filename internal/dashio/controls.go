package dashio

import (
	"context"
	"errors"
	"fmt"

	"github.com/kitbench/kitbench/internal/workbench"
	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
)

// Control implements ui.Controller: workbench.ControlInstance on the
// instance of the fleet that req names, with Token as its admin token,
// so the answers and their advice (enable controls, pass the token) are
// the CLI's. A fault with no endpoint is set on every endpoint the
// instance can inject faults into.
func (a *Actions) Control(ctx context.Context, req ui.ControlMsg, fleet []hub.Instance) ui.ControlledMsg {
	out := ui.ControlledMsg{Req: req}
	var found *hub.Instance
	for i := range fleet {
		if fleet[i].Key == req.Instance {
			found = &fleet[i]
			break
		}
	}
	if found == nil {
		out.Err = fmt.Sprintf("%s is not in the fleet any more: nothing changed", req.Instance)
		return out
	}
	ctx = workbench.WithAdminToken(ctx, a.Token)
	in := workbench.FromHub(*found)
	op := workbench.ControlOp{Op: workbench.OpSet, Kind: req.Kind, Name: req.Target, Request: req.Request}
	if req.Clear {
		op.Op, op.Request = workbench.OpClear, wire.ControlRequest{}
	}
	names := []string{req.Target}
	if req.Kind == wire.ControlFault && req.Target == "" && !req.Clear {
		list, err := workbench.ControlInstance(ctx, in, workbench.ControlOp{Op: workbench.OpList})
		if err != nil {
			out.Err = err.Error()
			return out
		}
		if names = list.Controls.FaultEndpoints; len(names) == 0 {
			out.Err = fmt.Sprintf("%s has no endpoint wrapped by a fault injector (kit/fault): nothing changed", in.ID)
			return out
		}
	}
	var errs []error
	for _, name := range names {
		op.Name = name
		r, err := workbench.ControlInstance(ctx, in, op)
		out.Changes = append(out.Changes, r.Changes...)
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		out.Err = err.Error()
	}
	return out
}
