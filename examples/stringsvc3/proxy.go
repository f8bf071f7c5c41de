package main

import (
	"context"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/instance"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/lb"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
)

// proxy answers Uppercase by calling other instances; Count stays local.
type proxy struct {
	StringService
	uppercase endpoint.Endpoint
}

func (p proxy) Uppercase(ctx context.Context, s string) (string, error) {
	resp, err := p.uppercase(ctx, uppercaseRequest{S: s})
	if err != nil {
		return "", err
	}
	return resp.(*uppercaseResponse).V, nil
}

// proxying returns svc unchanged without instances, else a proxy through a
// round-robin balancer over instances (comma-separated, host:port or
// http://host:port), each behind its own breaker and delaying limiter:
// a burst waits for a token instead of failing with a 429, which Retry
// would not retry.
func proxying(inst *instance.Instance, instances string, svc StringService) (StringService, error) {
	if instances == "" {
		return svc, nil
	}
	const qps, maxAttempts, maxTime = 100, 3, 250 * time.Millisecond
	insts, err := sd.StaticInstances("stringsvc", strings.Split(instances, ",")...)
	if err != nil {
		return nil, err
	}
	factory := func(in sd.Instance) (endpoint.Endpoint, io.Closer, error) {
		u := &url.URL{Scheme: "http", Host: in.Address, Path: "/uppercase"}
		e := kithttp.NewClient("POST", u, kithttp.EncodeJSONRequest, kithttp.DecodeJSONResponse[uppercaseResponse]).Endpoint()
		br, err := inst.Breaker("uppercase@" + in.Address)
		if err != nil {
			return nil, nil, err
		}
		lim, err := inst.DelayingLimiter("uppercase@"+in.Address, qps, 1)
		if err != nil {
			return nil, nil, err
		}
		return endpoint.Chain(lim.Middleware, br.Middleware)(e), nil, nil
	}
	endpointer := sd.NewEndpointer(sd.FixedInstancer(insts), factory)
	if err := endpointer.Wait(context.Background()); err != nil { // a FixedInstancer answers at once
		return nil, err
	}
	return proxy{svc, lb.Retry(maxAttempts, maxTime, lb.NewRoundRobin(endpointer))}, nil
}
