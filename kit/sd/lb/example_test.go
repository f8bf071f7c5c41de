package lb_test

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/lb"
	"github.com/kitbench/kitbench/kit/transport"
)

func ExampleRetry() {
	insts, _ := sd.StaticInstances("book", "127.0.0.1:8081", "127.0.0.1:8082")
	factory := func(inst sd.Instance) (endpoint.Endpoint, io.Closer, error) {
		return func(context.Context, any) (any, error) {
			if inst.Address == "127.0.0.1:8081" {
				return nil, transport.NewError(503, "overloaded")
			}
			return "book from " + inst.Address, nil
		}, nil, nil
	}
	e := sd.NewEndpointer(sd.FixedInstancer(insts), factory)
	defer e.Close()
	_ = e.Wait(context.Background())

	call := lb.Retry(3, time.Second, lb.NewRoundRobin(e))
	resp, err := call(context.Background(), nil)
	fmt.Println(resp, err)

	one := lb.Retry(1, time.Second, lb.NewRoundRobin(e))
	_, err = one(context.Background(), nil)
	fmt.Println(err, transport.StatusOf(err))
	// Output:
	// book from 127.0.0.1:8082 <nil>
	// overloaded 503
}

func ExampleOutlier() {
	insts, _ := sd.StaticInstances("book", "127.0.0.1:8081", "127.0.0.1:8082")
	factory := func(inst sd.Instance) (endpoint.Endpoint, io.Closer, error) {
		return func(context.Context, any) (any, error) {
			if inst.Address == "127.0.0.1:8081" {
				return nil, transport.NewError(503, "down")
			}
			return "ok", nil
		}, nil, nil
	}
	e := sd.NewEndpointer(sd.FixedInstancer(insts), factory)
	defer e.Close()
	_ = e.Wait(context.Background())

	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	o := lb.NewOutlier(e, lb.NewRoundRobin(e), lb.OutlierConfig{Now: func() time.Time { return now }})
	for range 12 {
		en, _ := o.Pick()
		_, _ = en.Endpoint(context.Background(), nil)
	}
	for _, ej := range o.Ejected() {
		fmt.Println(ej.Address, "ejected until", ej.Until.Format(time.TimeOnly), "count", ej.Count)
	}
	// Output:
	// 127.0.0.1:8081 ejected until 12:00:30 count 1
}
