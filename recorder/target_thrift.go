package recorder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"

	"github.com/apache/thrift/lib/go/thrift"
	kitthrift "github.com/kitbench/kitbench/kit/transport/thrift"
	"github.com/kitbench/kitbench/recorder/internal/thriftwire"
)

type thriftTarget struct {
	addr  string
	mu    sync.Mutex
	pools map[thriftPoolKey]*kitthrift.Pool
}

type thriftPoolKey struct {
	addr  string
	proto kitthrift.Protocol
}

// ThriftTarget replays Thrift exchanges to the server at addr
// ("host:port") over framed transport, each in its recorded protocol
// (binary or compact), through kit's Thrift client (kitthrift.Pool). An
// empty addr sends each exchange to its recorded Target.
//
// The request is the recorded body written with the recorded types
// (ThriftCall.RequestTypes), string fields as recorded ("[REDACTED]"
// too: Thrift has no headers for ReplayOptions.Headers to replace), in
// a CALL with a sequence id of the client's own. The reply is decoded
// without the IDL as the recorder decodes it, its fields named as the
// recorded response names them. Its status is what the wire tells a
// client: 200 for a success, 0 for a declared exception (its fields are
// in the body), 500 for a TApplicationException; it has no reason. The
// recorded response is compared in the same terms (see Replayer.One).
//
// Connections are not kept between exchanges, so a ThriftTarget needs no
// closing.
func ThriftTarget(addr string) Target {
	return &thriftTarget{addr: addr, pools: make(map[thriftPoolKey]*kitthrift.Pool)}
}

func (t *thriftTarget) pool(addr string, p kitthrift.Protocol) *kitthrift.Pool {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := thriftPoolKey{addr, p}
	if pl, ok := t.pools[k]; ok {
		return pl
	}
	pl := kitthrift.NewPool(addr, kitthrift.PoolConfig{Protocol: p, MaxIdle: -1, MaxFrameSize: maxReplayBody})
	t.pools[k] = pl
	return pl
}

func (t *thriftTarget) Do(ctx context.Context, ex *Exchange) (*Response, error) {
	tc := ex.Thrift
	if ex.Transport != TransportThrift || tc == nil {
		return nil, fmt.Errorf("%w: %s exchange sent to a Thrift target", ErrReplay, ex.Transport)
	}
	args, err := thriftArgs(ex)
	if err != nil {
		return nil, err
	}
	proto := kitthrift.Binary
	switch tc.Protocol {
	case "binary", "":
	case "compact":
		proto = kitthrift.Compact
	default:
		return nil, fmt.Errorf("%w: thrift %s: protocol %q is not binary or compact", ErrReplay, tc.Method, tc.Protocol)
	}
	addr := t.addr
	if addr == "" {
		addr = ex.Target
	}
	if addr == "" {
		return nil, fmt.Errorf("%w: thrift %s: no Thrift address was recorded; give one (--target thrift://host:port)", ErrReplay, tc.Method)
	}
	pl := t.pool(addr, proto)
	if tc.Oneway {
		if _, err := pl.Call(ctx, tc.Method, args, nil); err != nil {
			return nil, thriftCallError(addr, tc.Method, err)
		}
		return &Response{Status: http.StatusOK}, nil
	}
	res := &thriftwire.Result{}
	if b := ex.Response.Body; b != nil && b.JSON != nil {
		res.Names = thriftwire.NamesFromJSON(b.JSON)
	}
	_, err = pl.Call(ctx, tc.Method, args, res)
	var app thrift.TApplicationException
	switch {
	case err == nil:
		status := http.StatusOK
		if res.FirstID > 0 {
			status = 0 // a declared exception: its status is not on the wire
		}
		return &Response{Status: status, Body: &Body{JSON: res.JSON, valid: true}}, nil
	case errors.As(err, &app) && serverSent(app):
		return &Response{Status: http.StatusInternalServerError, Body: &Body{JSON: thriftwire.AppException(app), valid: true}}, nil
	}
	return nil, thriftCallError(addr, tc.Method, err)
}

// thriftArgs is the request of ex ready to be written again.
func thriftArgs(ex *Exchange) (*thriftwire.Args, error) {
	tc := ex.Thrift
	if len(tc.RequestTypes) == 0 {
		return nil, fmt.Errorf("%w: thrift %s: %s", ErrReplay, tc.Method, ThriftNotReplayed)
	}
	b := ex.Request.Body
	switch {
	case b == nil:
		b = &Body{JSON: []byte("{}")}
	case b.Truncated:
		return nil, fmt.Errorf("%w: thrift %s: the request was truncated when recorded", ErrReplay, tc.Method)
	case b.JSON == nil:
		return nil, fmt.Errorf("%w: thrift %s: the request was not decoded when recorded", ErrReplay, tc.Method)
	}
	types, err := thriftwire.ParseTypes(tc.RequestTypes)
	if err != nil {
		return nil, fmt.Errorf("%w: thrift %s: request_types: %w", ErrReplay, tc.Method, err)
	}
	args, err := thriftwire.NewArgs(b.JSON, types)
	if err != nil {
		return nil, fmt.Errorf("%w: thrift %s: request: %w", ErrReplay, tc.Method, err)
	}
	return args, nil
}

// serverSent reports whether app is an exception the server replied
// with, not the client's complaint about a reply out of step.
func serverSent(app thrift.TApplicationException) bool {
	switch app.TypeId() {
	case thrift.WRONG_METHOD_NAME, thrift.BAD_SEQUENCE_ID, thrift.INVALID_MESSAGE_TYPE_EXCEPTION:
		return false
	}
	return true
}

func thriftCallError(addr, method string, err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return fmt.Errorf("%w: %s: %w", ErrUnreachable, addr, err)
	}
	return fmt.Errorf("thrift %s on %s: %w", method, addr, err)
}

func (t *thriftTarget) expected(_ context.Context, ex *Exchange) *Response {
	return thriftExpected(ex)
}

// thriftExpected is ex's recorded response as a Thrift client sees it,
// to compare with a replayed one: the status the wire implies (200 for a
// success, 0 for a declared exception, 500 for a TApplicationException),
// not the one kit's server gave its error, and no reason (a declared
// exception's reason field is in the body). A response whose reply was
// not recorded keeps its status.
func thriftExpected(ex *Exchange) *Response {
	want := ex.Response
	tc := ex.Thrift
	if tc == nil {
		return &want
	}
	want.Reason = ""
	switch {
	case tc.Oneway:
		want.Status = http.StatusOK
	case tc.Reply == "exception":
		want.Status = http.StatusInternalServerError
	case tc.Reply == "reply" && tc.Exception != "":
		want.Status = 0
	case tc.Reply == "reply":
		want.Status = http.StatusOK
	}
	return &want
}

// thriftReply sets tc's reply and exception from resp, a replayed
// response (see ThriftTarget), when an update makes it the expectation.
func thriftReply(tc *ThriftCall, resp *Response) {
	tc.Reply, tc.Exception = "", ""
	switch {
	case tc.Oneway:
	case resp.Status == http.StatusInternalServerError:
		tc.Reply = "exception"
	case resp.Status == 0:
		tc.Reply, tc.Exception = "reply", firstKey(resp.Body)
	default:
		tc.Reply = "reply"
	}
}

// firstKey is the first key of a JSON object body; "" when it has none.
func firstKey(b *Body) string {
	if b == nil || b.JSON == nil {
		return ""
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(b.JSON, &m) != nil {
		return ""
	}
	for k := range m {
		return k // a result struct holds one field
	}
	return ""
}
