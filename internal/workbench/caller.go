package workbench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/invoke"
	"github.com/kitbench/kitbench/recorder"
)

// Call is one answered call: what was asked of which instance, and what
// came back. Exchange turns it into a session exchange.
type Call struct {
	// Service is the discovery name the call was made under ("bookstore").
	Service string
	// Instance is the instance that answered.
	Instance sd.Instance
	// Request is what was asked; its Method names the endpoint.
	Request invoke.Request
	// Result is the answer (check Result.OK: an error status is an answer).
	Result *invoke.Result

	// stream is a streaming call's messages and end, as a Caller with
	// CallerOptions.Record kept them (see streamTap); nil otherwise.
	stream *recorder.Exchange
}

// CallerOptions configure a Caller. The zero value connects as the zero
// ConnectOptions do, closes each connection after its call, and reports
// skipped instances to no one.
type CallerOptions struct {
	// Connect says how to reach an instance.
	Connect ConnectOptions
	// Keep keeps one connection per instance open between calls (the
	// dashboard's choice); Close closes them. False connects for each
	// call and closes the connection after it (the command line's).
	Keep bool
	// Skipped, when set, hears of each candidate passed over because it
	// could not be reached, before the next one is tried.
	Skipped func(inst sd.Instance, err error)
	// WireJSON keeps a gRPC answer in proto3 JSON's lowerCamelCase names
	// (createTime), as grpcurl prints it; false gives it the .proto field
	// names (create_time), kitbench's rule (see names.go).
	WireJSON bool
	// Record says the calls may be recorded (Recording, Recorder): a
	// streaming call then keeps its messages each way as they pass, with
	// their times, within recorder's default StreamLimits (those past
	// them are counted, not kept), so that Exchange can make its stream
	// exchange. False keeps none: Exchange of a streaming call is then
	// ErrUnkeptStream. Unary calls are the same either way.
	Record bool
}

// Caller calls the first reachable instance of a list of candidates, and
// gives gRPC answers the .proto field names unless told otherwise
// (CallerOptions.WireJSON). It is safe for concurrent use.
type Caller struct {
	opts CallerOptions

	mu    sync.Mutex
	conns map[string]invoke.Invoker // kept connections, by connKey
	live  map[*LiveStream]struct{}  // streams Start opened, until they end
}

// NewCaller returns a Caller. Close it when done.
func NewCaller(opts CallerOptions) *Caller {
	return &Caller{opts: opts, conns: map[string]invoke.Invoker{}, live: map[*LiveStream]struct{}{}}
}

// Close cancels the streams Start opened and closes the kept
// connections. The Caller stays usable.
func (c *Caller) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for s := range c.live {
		s.Cancel()
	}
	var errs []error
	for k, inv := range c.conns {
		errs = append(errs, inv.Close())
		delete(c.conns, k)
	}
	return errors.Join(errs...)
}

// Call sends req to the first reachable of cands and returns its answer.
// A method the instance lacks but serves over Thrift gives an error that
// names its HTTP or gRPC twin.
func (c *Caller) Call(ctx context.Context, service string, cands []sd.Instance, req invoke.Request) (*Call, error) {
	var out *Call
	err := c.first(ctx, service, shortName(req.Method), cands, false, func(inst sd.Instance, inv invoke.Invoker) error {
		res, kept, err := c.invoke(ctx, inv, req)
		if err != nil {
			return thriftOnly(ctx, inst, req.Method, err)
		}
		out = &Call{Service: service, Instance: inst, Request: req, Result: res, stream: kept}
		return nil
	})
	return out, err
}

// Describe returns the schema of method from the first of cands that can
// be connected to (whatever the reason another cannot), and the instance
// that gave it.
func (c *Caller) Describe(ctx context.Context, service string, cands []sd.Instance, method string) (*invoke.Schema, sd.Instance, error) {
	var s *invoke.Schema
	var from sd.Instance
	err := c.first(ctx, service, shortName(method), cands, true, func(inst sd.Instance, inv invoke.Invoker) error {
		var err error
		s, err = inv.Describe(ctx, method)
		from = inst
		return err
	})
	return s, from, err
}

// With calls fn with a connection to the first reachable of cands, and
// moves on to the next when fn's error wraps invoke.ErrUnreachable.
func (c *Caller) With(ctx context.Context, service string, cands []sd.Instance, fn func(sd.Instance, invoke.Invoker) error) error {
	return c.first(ctx, service, "", cands, false, fn)
}

// All sends req to every one of cands, sorted by ID, and compares the
// answers with invoke.Compare, which it returns with the index of the
// reference answer. An instance that cannot be reached, or does not answer
// in time, is an Outcome with its Err; any other error means the request
// itself is wrong, and is returned at once.
func (c *Caller) All(ctx context.Context, service string, cands []sd.Instance, req invoke.Request) (outs []invoke.Outcome, calls []*Call, ref int, err error) {
	cands = slices.Clone(cands)
	slices.SortFunc(cands, func(a, b sd.Instance) int { return strings.Compare(a.ID, b.ID) })
	outs = make([]invoke.Outcome, len(cands))
	for i, inst := range cands {
		outs[i].Instance = inst.ID
		err := c.use(ctx, inst, func(inv invoke.Invoker) error {
			if err := refuseStream(ctx, inv, req, compareOnlyUnary); err != nil {
				return err
			}
			var err error
			outs[i].Result, _, err = c.invoke(ctx, inv, req) // a unary call: nothing kept
			return err
		})
		if err != nil && !errors.Is(err, invoke.ErrUnreachable) && !errors.Is(err, context.DeadlineExceeded) {
			return nil, nil, 0, err
		}
		outs[i].Err = err
		if err == nil {
			calls = append(calls, &Call{Service: service, Instance: inst, Request: req, Result: outs[i].Result})
		}
	}
	return outs, calls, invoke.Compare(outs), nil
}

// invoke sends req with inv and names the answer's fields by the rule.
// With CallerOptions.Record, a streaming call's messages are kept as
// they pass, and returned with its end (kept; nil for a unary call).
func (c *Caller) invoke(ctx context.Context, inv invoke.Invoker, req invoke.Request) (res *invoke.Result, kept *recorder.Exchange, err error) {
	req.Stream.ProtoNames = !c.opts.WireJSON
	var tap streamTap
	if c.opts.Record {
		req.Stream = tap.wrap(req.Stream)
	}
	res, err = inv.Invoke(ctx, req)
	if err != nil {
		return res, nil, err
	}
	if g := grpcOf(inv); g != nil && !c.opts.WireJSON {
		protoNames(ctx, g, res) // an answer over HTTP (perMethod's) is left as it is
	}
	if c.opts.Record {
		kept = tap.done(ctx, res)
	}
	return res, kept, nil
}

// refuseStream returns refuse's error for the kind of req's gRPC method,
// read within req.Timeout (the lookup is the one the call makes: its
// descriptors are kept). HTTP routes are all unary, and a method gRPC
// lacks is left to the call to report.
func refuseStream(ctx context.Context, inv invoke.Invoker, req invoke.Request, refuse func(method string, k invoke.Kind) error) error {
	g := grpcOf(inv)
	if g == nil {
		return nil
	}
	if req.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, req.Timeout)
		defer cancel()
	}
	k, err := g.Kind(ctx, req.Method)
	if errors.Is(err, invoke.ErrNoMethod) {
		return nil // perhaps served over HTTP: the call says
	}
	if err != nil {
		return err
	}
	return refuse(req.Method, k)
}

// grpcOf is the gRPC client inv calls through, nil for HTTP.
func grpcOf(inv invoke.Invoker) *invoke.GRPCClient {
	if p, ok := inv.(*perMethod); ok {
		inv = p.Invoker
	}
	g, _ := inv.(*invoke.GRPCClient)
	return g
}

// compareOnlyUnary refuses to compare the answers of a stream (--all).
func compareOnlyUnary(method string, k invoke.Kind) error {
	if k == invoke.Unary {
		return nil
	}
	return fmt.Errorf("%w: %s is a %s method, and --all compares one answer from each instance: call one instance (drop --all; --instance chooses it)",
		invoke.ErrStreaming, method, strings.ReplaceAll(string(k), "_", "-"))
}

// first runs fn on a connection to each of cands in turn until one does
// not fail as unreachable. anyConnErr skips instances that cannot be
// connected to for any reason, not only unreachable ones.
func (c *Caller) first(ctx context.Context, service, method string, cands []sd.Instance, anyConnErr bool, fn func(sd.Instance, invoke.Invoker) error) error {
	if len(cands) == 0 {
		return noCandidates{fmt.Errorf("no instance of %s offers %s", service, method)}
	}
	var failed []error
	for _, inst := range cands {
		inv, err := c.connect(ctx, inst)
		if err == nil {
			err = fn(inst, inv)
			c.release(inst, inv, err)
		} else if anyConnErr {
			err = skippable{err}
		}
		if !errors.Is(err, invoke.ErrUnreachable) {
			return err
		}
		failed = append(failed, err)
		if c.opts.Skipped != nil {
			c.opts.Skipped(inst, err)
		}
	}
	if len(failed) == 1 {
		return failed[0]
	}
	msgs := make([]string, len(failed))
	for i, e := range failed {
		msgs[i] = e.Error()
	}
	return &unreachable{msg: fmt.Sprintf("no instance of %s is reachable: %s", service, strings.Join(msgs, "; ")), errs: failed}
}

// unreachable is first's error when no candidate could be reached: its
// text lists every failure, and it matches each (invoke.ErrUnreachable).
type unreachable struct {
	msg  string
	errs []error
}

func (e *unreachable) Error() string   { return e.msg }
func (e *unreachable) Unwrap() []error { return e.errs }

// skippable keeps a connection error's text and makes first move on.
type skippable struct{ err error }

func (e skippable) Error() string   { return e.err.Error() }
func (e skippable) Unwrap() []error { return []error{e.err, invoke.ErrUnreachable} }

// use runs fn on a connection to inst.
func (c *Caller) use(ctx context.Context, inst sd.Instance, fn func(invoke.Invoker) error) error {
	inv, err := c.connect(ctx, inst)
	if err != nil {
		return err
	}
	err = fn(inv)
	c.release(inst, inv, err)
	return err
}

func connKey(in sd.Instance) string {
	return in.ID + "|" + in.Address + "|" + in.Meta[sd.MetaGRPC] + "|" + in.Meta[sd.MetaHTTP] + "|" + in.Meta[sd.MetaAdmin]
}

// connect returns a kept connection to inst, or a new one.
func (c *Caller) connect(ctx context.Context, inst sd.Instance) (invoke.Invoker, error) {
	if !c.opts.Keep {
		return Connect(ctx, inst, c.opts.Connect)
	}
	k := connKey(inst)
	c.mu.Lock()
	inv, ok := c.conns[k]
	c.mu.Unlock()
	if ok {
		return inv, nil
	}
	inv, err := Connect(ctx, inst, c.opts.Connect)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.conns[k]; ok { // another call connected first
		_ = inv.Close()
		return old, nil
	}
	c.conns[k] = inv
	return inv, nil
}

// release closes inv unless it is kept; a kept connection that stopped
// answering is dropped.
func (c *Caller) release(inst sd.Instance, inv invoke.Invoker, err error) {
	if !c.opts.Keep {
		_ = inv.Close()
		return
	}
	if !errors.Is(err, invoke.ErrUnreachable) {
		return
	}
	k := connKey(inst)
	c.mu.Lock()
	if c.conns[k] == inv {
		delete(c.conns, k)
	}
	c.mu.Unlock()
	_ = inv.Close()
}

// Command is the grpcurl or curl command line that makes req's call
// through inv (see invoke.GRPCClient.Command); headerLines are -H as
// typed, so ${VAR} stays for the shell to read.
func Command(ctx context.Context, inv invoke.Invoker, req invoke.Request, headerLines []string) (string, error) {
	if p, ok := inv.(*perMethod); ok {
		inv = p.Invoker
	}
	switch c := inv.(type) {
	case *invoke.GRPCClient:
		return c.Command(ctx, req, headerLines)
	case *invoke.HTTPClient:
		return c.Command(req, headerLines)
	}
	return "", fmt.Errorf("no command line for a %T", inv)
}
