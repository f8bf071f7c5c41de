package main

import (
	"github.com/spf13/cobra"

	"github.com/kitbench/kitbench/internal/workbench"
	wire "github.com/kitbench/kitbench/kit/introspect"
)

func init() {
	subcommands = append(subcommands, newFaultCmd, newBreakerCmd, newLimitCmd, newDrainCmd)
}

// controlCmd is one control command: its flags and the op it sends, with
// the target (args[0]) and the name (args[1], if given) filled in.
func controlCmd(use, short string, args cobra.PositionalArgs, ttl bool, op workbench.ControlOp, more ...func(*workbench.ControlFlags, *cobra.Command)) *cobra.Command {
	var f workbench.ControlFlags
	cmd := &cobra.Command{Use: use, Short: short, Args: args, RunE: func(cmd *cobra.Command, args []string) error {
		op := op
		op.Target = args[0]
		if len(args) > 1 {
			op.Name = args[1]
		}
		return f.Run(cmd.Context(), cmd.OutOrStdout(), op)
	}}
	f.Add(cmd.Flags(), ttl)
	for _, m := range more {
		m(&f, cmd)
	}
	return cmd
}

// family is a parent command whose help is help/name.txt.
func family(use, short, name string, subs ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short, Long: help(name), Example: help(name + ".examples"), Args: cobra.NoArgs}
	cmd.AddCommand(subs...)
	return cmd
}

func newFaultCmd() *cobra.Command {
	fault := workbench.ControlOp{Op: workbench.OpSet, Kind: wire.ControlFault}
	clear := workbench.ControlOp{Op: workbench.OpClear, Kind: wire.ControlFault}
	return family("fault set|clear|list", "Inject faults into a service's endpoints, for a while", "fault",
		controlCmd("set SERVICE[/INSTANCE] ENDPOINT | SERVICE.ENDPOINT", "Inject latency, errors or aborts into an endpoint",
			cobra.RangeArgs(1, 2), true, fault, func(f *workbench.ControlFlags, c *cobra.Command) { f.AddFault(c.Flags()) }),
		controlCmd("clear SERVICE[/INSTANCE] [ENDPOINT]", "Clear the faults on an endpoint (on every endpoint without one)",
			cobra.RangeArgs(1, 2), false, clear),
		controlCmd("list SERVICE[/INSTANCE]", "List the controls in force, of every kind, with the time left",
			cobra.ExactArgs(1), false, workbench.ControlOp{Op: workbench.OpList}))
}

func newBreakerCmd() *cobra.Command {
	force := func(state string) workbench.ControlOp {
		return workbench.ControlOp{Op: workbench.OpSet, Kind: wire.ControlBreaker, Request: wire.ControlRequest{Breaker: state}}
	}
	const args = " SERVICE[/INSTANCE] BREAKER | SERVICE.BREAKER"
	return family("breaker open|close|reset", "Force a circuit breaker open or closed for a while, or reset it", "breaker",
		controlCmd("open"+args, "Hold a breaker open: it refuses every call", cobra.RangeArgs(1, 2), true, force(wire.BreakerForceOpen)),
		controlCmd("close"+args, "Hold a breaker closed: no failure trips it", cobra.RangeArgs(1, 2), true, force(wire.BreakerForceClosed)),
		controlCmd("reset"+args, "Return a breaker to closed with empty counts, ending a forced state", cobra.RangeArgs(1, 2), false, force(wire.BreakerReset)))
}

func newLimitCmd() *cobra.Command {
	cmd := controlCmd("limit SERVICE[/INSTANCE] [LIMITER] --rate N [--burst N] | --clear", "Change a rate limiter's rate and burst for a while",
		cobra.RangeArgs(1, 2), true, workbench.ControlOp{Op: workbench.OpSet, Kind: wire.ControlLimiter},
		func(f *workbench.ControlFlags, c *cobra.Command) { f.AddLimit(c.Flags()) })
	cmd.Long, cmd.Example = help("limit"), help("limit.examples")
	return cmd
}

func newDrainCmd() *cobra.Command {
	cmd := controlCmd("drain SERVICE/INSTANCE [--for DURATION] | --undo", "Take an instance out of discovery for a while; it goes on serving",
		cobra.ExactArgs(1), true, workbench.ControlOp{Op: workbench.OpSet, Kind: wire.ControlDrain, NeedInstance: true},
		func(f *workbench.ControlFlags, c *cobra.Command) {
			c.Flags().BoolVar(&f.Undo, "undo", false, "register the instance again now")
		})
	cmd.Long, cmd.Example = help("drain"), help("drain.examples")
	return cmd
}
