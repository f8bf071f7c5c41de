package recorder

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// Route is one kit endpoint that EndpointTarget replays into.
type Route struct {
	Endpoint endpoint.Endpoint
	// Decode builds the endpoint's request from a recorded exchange. Nil
	// means the endpoint takes the request body's JSON as is (decoded
	// into map/slice values); JSONRoute decodes into a typed request.
	Decode func(*Exchange) (any, error)
}

// JSONRoute is a Route whose request is the exchange's JSON body decoded
// into a Req (an absent body is the zero Req).
func JSONRoute[Req any](e endpoint.Endpoint) Route {
	return Route{Endpoint: e, Decode: func(ex *Exchange) (any, error) {
		var req Req
		if b := ex.Request.Body; b != nil && b.JSON != nil {
			if err := json.Unmarshal(b.JSON, &req); err != nil {
				return nil, err
			}
		}
		return req, nil
	}}
}

type endpointTarget map[string]Route

// EndpointTarget replays exchanges into kit endpoints in process, chosen
// by the exchange's Endpoint name: no transport, no network. A response is
// its JSON encoding with status 200 (gRPC: OK); an error becomes the
// status transport.StatusOf gives it (gRPC: its code) and, below 500, the
// body {"error": msg, "status": code} that kit's HTTP transport sends —
// without the request id, so ignore "$.request_id" when comparing with
// HTTP recordings.
func EndpointTarget(routes map[string]Route) Target { return endpointTarget(routes) }

func (t endpointTarget) Do(ctx context.Context, ex *Exchange) (*Response, error) {
	if ex.Stream != nil {
		return nil, fmt.Errorf("%w: %s: stream exchanges replay over gRPC (GRPCTarget), not into a unary endpoint", ErrReplay, ex.Endpoint)
	}
	rt, ok := t[ex.Endpoint]
	if !ok {
		return nil, fmt.Errorf("%w: no route for endpoint %q", ErrReplay, ex.Endpoint)
	}
	var req any
	var err error
	if rt.Decode != nil {
		req, err = rt.Decode(ex)
	} else if b := ex.Request.Body; b != nil && b.JSON != nil {
		err = json.Unmarshal(b.JSON, &req)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: request: %w", ErrReplay, ex.Endpoint, err)
	}
	resp, err := rt.Endpoint(ctx, req)
	if f, ok := resp.(endpoint.Failer); ok && err == nil && f.Failed() != nil {
		err = f.Failed()
	}
	out := &Response{}
	if err != nil {
		code := transport.StatusOf(err)
		if ex.Transport == TransportGRPC {
			out.GRPCCode, out.GRPCMessage, out.Reason = int(kitgrpc.Code(code)), err.Error(), transport.ReasonOf(err)
			return out, nil
		}
		out.Status = code
		msg := http.StatusText(code)
		if code < 500 {
			msg = err.Error()
		}
		out.Body, err = JSONBody(map[string]any{"error": msg, "status": code})
		return out, err
	}
	if ex.Transport == TransportHTTP {
		out.Status = http.StatusOK
	}
	out.Body, err = JSONBody(resp)
	return out, err
}

// Dial returns Targets for addresses: httpBase ("http://host:port", or
// "host:port" for plain HTTP) and grpcAddr ("host:port", plaintext). An
// empty address leaves that transport without a target. Dialling is lazy:
// an address nobody listens on shows up as ErrUnreachable on replay.
func Dial(httpBase, grpcAddr string) (*Targets, error) {
	t := &Targets{}
	if httpBase != "" {
		if !hasScheme(httpBase) {
			httpBase = "http://" + httpBase
		}
		client := &http.Client{
			Transport:     &http.Transport{MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
		t.HTTP = HTTPTarget(httpBase, client)
		t.closers = append(t.closers, closerFunc(func() error { client.CloseIdleConnections(); return nil }))
	}
	if grpcAddr != "" {
		cc, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return nil, fmt.Errorf("recorder: gRPC target %q: %w", grpcAddr, err)
		}
		t.GRPC = GRPCTarget(cc)
		t.closers = append(t.closers, cc)
	}
	return t, nil
}

func hasScheme(s string) bool {
	return len(s) > 7 && (s[:7] == "http://" || len(s) > 8 && s[:8] == "https://")
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }
