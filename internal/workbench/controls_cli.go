package workbench

import (
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/spf13/pflag"

	"github.com/kitbench/kitbench/internal/sanitize"
	wire "github.com/kitbench/kitbench/kit/introspect"
)

// ControlFlags are the flags of `kitbench fault|breaker|limit|drain`:
// where the instances are, how long a control holds, how to print, and
// the fault and limit a command sets.
type ControlFlags struct {
	Source Source
	TTL    time.Duration
	Output string
	Fault  wire.Fault
	Limit  wire.Limit
	Undo   bool // limit --clear, drain --undo
}

// Add defines the flags every control command has on fs; ttl adds --for.
func (f *ControlFlags) Add(fs *pflag.FlagSet, ttl bool) {
	fs.StringVar(&f.Source.Instance, "instance", "", "only this instance (ID or address); SERVICE/INSTANCE says the same")
	fs.StringVar(&f.Source.Consul, "consul", "", "registry address (default: CONSUL_HTTP_ADDR, else 127.0.0.1:8500)")
	fs.StringVar(&f.Source.Etcd, "etcd", "", "etcd endpoints, comma-separated, instead of a Consul-API registry")
	fs.StringVar(&f.Source.Target, "target", "", "an instance's admin listener host:port, instead of a registry")
	fs.StringVarP(&f.Output, "output", "o", "text", "output format: text or json")
	fs.DurationVar(&f.Source.Timeout, "timeout", DefaultConnectTimeout, "how long to wait for the registry")
	if ttl {
		fs.DurationVar(&f.TTL, "for", 0, "how long the control holds before it reverts by itself (default: the instance's, 5m; at most 1h)")
	}
}

// AddFault defines the flags of `kitbench fault set`.
func (f *ControlFlags) AddFault(fs *pflag.FlagSet) {
	fs.Var((*durationValue)(&f.Fault.Latency), "latency", "delay each call by this much (e.g. 200ms)")
	fs.Var((*durationValue)(&f.Fault.LatencyMax), "latency-max", "with --latency, delay by a random time up to this")
	fs.Float64Var(&f.Fault.ErrorRate, "error-rate", 0, "fraction of calls, 0 to 1, that fail with --status and reason fault_injected")
	fs.IntVar(&f.Fault.ErrorStatus, "status", 0, "HTTP status of injected errors, 400-599 (gRPC gets the matching code; default 503)")
	fs.Float64Var(&f.Fault.AbortRate, "abort-rate", 0, "fraction of calls, 0 to 1, the transport aborts (connection reset, gRPC Unavailable)")
	fs.IntVar(&f.Fault.StreamAfter, "after", 0, "stream endpoints: apply the fault after this many messages of each stream")
}

// AddLimit defines the flags of `kitbench limit`.
func (f *ControlFlags) AddLimit(fs *pflag.FlagSet) {
	fs.Float64Var(&f.Limit.Rate, "rate", 0, "calls per second the limiter allows")
	fs.IntVar(&f.Limit.Burst, "burst", 0, "burst size (default: the limiter's own)")
	fs.BoolVar(&f.Undo, "clear", false, "give the limiter its own rate and burst back")
}

// Run checks the flags, sends op (with --for and, for a fault or a
// limit, the flags' payload) and prints the instances' answers to w.
func (f *ControlFlags) Run(ctx context.Context, w io.Writer, op ControlOp) error {
	switch {
	case f.Output != "text" && f.Output != "json":
		return Exitf(ExitUsage, "-o %q: the formats are text and json", f.Output)
	case f.TTL < 0:
		return Exitf(ExitUsage, "--for %v: must be positive", f.TTL)
	case f.Undo:
		op.Op = OpClear
	case op.Kind == wire.ControlLimiter && f.Limit.Rate <= 0:
		return Exitf(ExitUsage, "--rate: give the calls per second the limiter allows (or --clear)")
	}
	op.Request.TTL = wire.Duration(f.TTL)
	switch op.Kind {
	case wire.ControlFault:
		op.Request.Fault = &f.Fault
	case wire.ControlLimiter:
		op.Request.Limit = &f.Limit
	}
	rs, err := RunControl(ctx, f.Source, op)
	if len(rs) > 0 && f.Output == "json" {
		if b, jerr := json.MarshalIndent(rs, "", "  "); jerr == nil {
			_, _ = w.Write(append(sanitize.JSON(b), '\n'))
		}
	} else if len(rs) > 0 {
		_ = WriteControls(w, rs, time.Now())
	}
	return err
}

// durationValue is a wire.Duration as a flag.
type durationValue wire.Duration

func (d *durationValue) String() string { return time.Duration(*d).String() }
func (d *durationValue) Type() string   { return "duration" }
func (d *durationValue) Set(s string) error {
	v, err := time.ParseDuration(s)
	*d = durationValue(v)
	return err
}
