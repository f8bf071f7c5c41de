package main

import (
	"context"

	"github.com/kitbench/kitbench/kit/endpoint"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
)

type uppercaseRequest struct {
	S string `json:"s"`
}

type uppercaseResponse struct {
	V string `json:"v"`
}

type countRequest struct {
	S string `json:"s"`
}

type countResponse struct {
	V int `json:"v"`
}

func makeUppercaseEndpoint(svc StringService) endpoint.Endpoint {
	return endpoint.Typed(func(ctx context.Context, req uppercaseRequest) (uppercaseResponse, error) {
		v, err := svc.Uppercase(ctx, req.S)
		return uppercaseResponse{V: v}, err
	})
}

func makeCountEndpoint(svc StringService) endpoint.Endpoint {
	return endpoint.Typed(func(ctx context.Context, req countRequest) (countResponse, error) {
		return countResponse{V: svc.Count(ctx, req.S)}, nil
	})
}

// newRouter serves the two endpoints as go-kit's stringsvc3 did.
func newRouter(uppercase, count endpoint.Endpoint) (*kithttp.Router, error) {
	rt := kithttp.NewRouter()
	if err := rt.Handle("Uppercase", "POST", "/uppercase",
		kithttp.NewServer(uppercase, kithttp.DecodeJSONRequest[uppercaseRequest], kithttp.EncodeJSONResponse)); err != nil {
		return nil, err
	}
	return rt, rt.Handle("Count", "POST", "/count",
		kithttp.NewServer(count, kithttp.DecodeJSONRequest[countRequest], kithttp.EncodeJSONResponse))
}
