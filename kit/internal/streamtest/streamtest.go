// Package streamtest is what kit's stream tests share: a small gRPC
// service with one method of each stream kind, served by kit StreamServers
// over a real loopback listener, and plain grpc-go calls of it. It does
// not import testing, so that kit's product packages stay free of it.
//
//	/kittest.Streams/Count  server-streaming: Int64Value n → n StringValues "0".."n-1"
//	/kittest.Streams/Sum    client-streaming: Int64Values → their sum
//	/kittest.Streams/Echo   bidirectional:    each StringValue back, upper-cased
package streamtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/kitbench/kitbench/kit/endpoint"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// Full method names.
const (
	Service     = "kittest.Streams"
	CountMethod = "/kittest.Streams/Count"
	SumMethod   = "/kittest.Streams/Sum"
	EchoMethod  = "/kittest.Streams/Echo"
)

type (
	i64 = wrapperspb.Int64Value
	str = wrapperspb.StringValue
)

// Servers are the service's three methods.
type Servers struct{ Count, Sum, Echo *kitgrpc.StreamServer }

// Desc describes the service; its handlers expect a *Servers.
var Desc = grpc.ServiceDesc{
	ServiceName: Service,
	HandlerType: (*any)(nil),
	Streams: []grpc.StreamDesc{
		{StreamName: "Count", ServerStreams: true, Handler: func(srv any, ss grpc.ServerStream) error {
			req := new(i64)
			if err := ss.RecvMsg(req); err != nil {
				return err
			}
			return kitgrpc.ServeServerStream(srv.(*Servers).Count, req, &grpc.GenericServerStream[i64, str]{ServerStream: ss})
		}},
		{StreamName: "Sum", ClientStreams: true, Handler: func(srv any, ss grpc.ServerStream) error {
			return kitgrpc.ServeClientStream(srv.(*Servers).Sum, &grpc.GenericServerStream[i64, i64]{ServerStream: ss})
		}},
		{StreamName: "Echo", ClientStreams: true, ServerStreams: true, Handler: func(srv any, ss grpc.ServerStream) error {
			return kitgrpc.ServeBidiStream(srv.(*Servers).Echo, &grpc.GenericServerStream[str, str]{ServerStream: ss})
		}},
	},
}

// CountEndpoint sends n StringValues, "0" to n-1, for a request n; it stops
// early with the context's error when the call ends.
var CountEndpoint = endpoint.ServerStream(func(ctx context.Context, n *i64, out endpoint.Sender[*str]) error {
	for i := range n.GetValue() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := out.Send(wrapperspb.String(strconv.FormatInt(i, 10))); err != nil {
			return err
		}
	}
	return nil
})

// SumEndpoint answers the sum of the values it received.
var SumEndpoint = endpoint.ClientStream(func(_ context.Context, s endpoint.TypedStream[*i64, *i64]) (*i64, error) {
	var sum int64
	for {
		v, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return wrapperspb.Int64(sum), nil
		}
		if err != nil {
			return nil, err
		}
		sum += v.GetValue()
	}
})

// EchoEndpoint sends each value back upper-cased until the client
// half-closes.
var EchoEndpoint = endpoint.BidiStream(func(_ context.Context, s endpoint.TypedStream[*str, *str]) error {
	for {
		v, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := s.Send(wrapperspb.String(strings.ToUpper(v.GetValue()))); err != nil {
			return err
		}
	}
})

// NewServers wraps the three endpoints in mw (nil for none) and serves
// each with a StreamServer built with opts.
func NewServers(mw endpoint.StreamMiddleware, opts ...kitgrpc.ServerOption) *Servers {
	if mw == nil {
		mw = func(e endpoint.StreamEndpoint) endpoint.StreamEndpoint { return e }
	}
	return &Servers{
		Count: kitgrpc.NewStreamServer(mw(CountEndpoint), nil, nil, opts...),
		Sum:   kitgrpc.NewStreamServer(mw(SumEndpoint), nil, nil, opts...),
		Echo:  kitgrpc.NewStreamServer(mw(EchoEndpoint), nil, nil, opts...),
	}
}

// Instance is a running server and a client connection to it.
type Instance struct {
	Conn *grpc.ClientConn
	srv  *grpc.Server
	done chan error
}

// Start serves s on a loopback port with the given grpc.ServerOptions.
// Stop ends it.
func Start(s *Servers, opts ...grpc.ServerOption) (*Instance, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := grpc.NewServer(opts...)
	srv.RegisterService(&Desc, s)
	in := &Instance{srv: srv, done: make(chan error, 1)}
	go func() { in.done <- srv.Serve(ln) }()
	in.Conn, err = grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		srv.Stop()
		<-in.done
		return nil, err
	}
	return in, nil
}

// Stop closes the connection and the server, and waits for Serve to end.
func (in *Instance) Stop() error {
	in.Conn.Close()
	in.srv.Stop()
	return <-in.done
}

// Count calls Count with n and returns the values received, with the
// stream's final error (nil for OK).
func Count(ctx context.Context, cc grpc.ClientConnInterface, n int64, opts ...grpc.CallOption) ([]string, error) {
	cs, err := cc.NewStream(ctx, &Desc.Streams[0], CountMethod, opts...)
	if err != nil {
		return nil, err
	}
	if err := cs.SendMsg(wrapperspb.Int64(n)); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if err := cs.CloseSend(); err != nil {
		return nil, err
	}
	var got []string
	for {
		m := new(str)
		if err := cs.RecvMsg(m); err != nil {
			if errors.Is(err, io.EOF) {
				return got, nil
			}
			return got, err
		}
		got = append(got, m.GetValue())
	}
}

// Sum calls Sum with the values and returns the answer.
func Sum(ctx context.Context, cc grpc.ClientConnInterface, values []int64, opts ...grpc.CallOption) (int64, error) {
	cs, err := cc.NewStream(ctx, &Desc.Streams[1], SumMethod, opts...)
	if err != nil {
		return 0, err
	}
	for _, v := range values {
		if err := cs.SendMsg(wrapperspb.Int64(v)); err != nil {
			if errors.Is(err, io.EOF) {
				break // the server ended the call: RecvMsg has its status
			}
			return 0, err
		}
	}
	if err := cs.CloseSend(); err != nil {
		return 0, err
	}
	m := new(i64)
	if err := cs.RecvMsg(m); err != nil {
		return 0, err
	}
	return m.GetValue(), nil
}

// Echo calls Echo, sending each value and reading its answer before the
// next, and returns the answers.
func Echo(ctx context.Context, cc grpc.ClientConnInterface, values []string, opts ...grpc.CallOption) ([]string, error) {
	cs, err := cc.NewStream(ctx, &Desc.Streams[2], EchoMethod, opts...)
	if err != nil {
		return nil, err
	}
	var got []string
	for _, v := range values {
		if err := cs.SendMsg(wrapperspb.String(v)); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return got, err
		}
		m := new(str)
		if err := cs.RecvMsg(m); err != nil {
			return got, err
		}
		got = append(got, m.GetValue())
	}
	if err := cs.CloseSend(); err != nil {
		return got, err
	}
	if err := cs.RecvMsg(new(str)); !errors.Is(err, io.EOF) {
		return got, err
	}
	return got, nil
}

// Value is the value of an Int64Value message, or -1 for another message.
func Value(m any) int64 {
	if v, ok := m.(*i64); ok {
		return v.GetValue()
	}
	return -1
}

// Reply returns a prototype of the server's message of the named method.
func Reply(method string) any {
	if method == "Sum" {
		return (*i64)(nil)
	}
	return (*str)(nil)
}

// Exercise makes one call of each method over cc — Count 3 (3 messages
// out), Sum of 1 and 2 (2 in, 1 out), Echo of "a" and "b" (2 in, 2 out) —
// and reports the first wrong answer or error.
func Exercise(ctx context.Context, cc grpc.ClientConnInterface, opts ...grpc.CallOption) error {
	got, err := Count(ctx, cc, 3, opts...)
	if err != nil {
		return fmt.Errorf("Count: %w", err)
	}
	if strings.Join(got, ",") != "0,1,2" {
		return fmt.Errorf("Count answered %v", got)
	}
	sum, err := Sum(ctx, cc, []int64{1, 2}, opts...)
	if err != nil {
		return fmt.Errorf("Sum: %w", err)
	}
	if sum != 3 {
		return fmt.Errorf("Sum answered %d", sum)
	}
	echo, err := Echo(ctx, cc, []string{"a", "b"}, opts...)
	if err != nil {
		return fmt.Errorf("Echo: %w", err)
	}
	if strings.Join(echo, ",") != "A,B" {
		return fmt.Errorf("Echo answered %v", echo)
	}
	return nil
}
