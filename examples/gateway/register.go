package gateway

import (
	"context"
	"fmt"
	"time"

	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/consul"
)

// register announces g as service "gateway" at the registry at addr: its
// address is the HTTP listener, and the metadata names every listener.
func register(addr string, g *Instance) (*consul.Registrar, error) {
	client, err := consul.NewClient(addr)
	if err != nil {
		return nil, fmt.Errorf("gateway: registry %s: %w", addr, err)
	}
	r, err := consul.NewRegistrar(client, sd.Instance{
		ID:      g.InstanceID,
		Service: ServiceName,
		Address: g.HTTPAddr,
		Tags:    []string{"http", "grpc"},
		Meta: map[string]string{
			sd.MetaHTTP:  g.HTTPAddr,
			sd.MetaGRPC:  g.GRPCAddr,
			sd.MetaAdmin: "http://" + g.AdminAddr,
		},
	}, consul.RegistrarOptions{Logger: g.cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("gateway: registry %s: %w", addr, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Register(ctx); err != nil {
		return nil, fmt.Errorf("gateway: cannot register with the registry at %s (start one with `kitbench registry`, or point -registry at a Consul agent): %w", addr, err)
	}
	return r, nil
}
