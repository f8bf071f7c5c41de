package bookstore

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/consul"
)

// register announces inst to the Consul agent or dev registry at addr: its
// address is the HTTP listener, and the metadata names every listener.
func register(addr string, inst *Instance, log *slog.Logger) (*consul.Registrar, error) {
	client, err := consul.NewClient(addr)
	if err != nil {
		return nil, fmt.Errorf("bookstore: registry %s: %w", addr, err)
	}
	tags := []string{"http", "grpc"}
	meta := map[string]string{
		sd.MetaHTTP:  inst.HTTPAddr,
		sd.MetaGRPC:  inst.GRPCAddr,
		sd.MetaAdmin: "http://" + inst.AdminAddr,
	}
	if inst.ThriftAddr != "" {
		tags = append(tags, "thrift")
		meta[sd.MetaThrift] = inst.ThriftAddr
	}
	r, err := consul.NewRegistrar(client, sd.Instance{
		ID:      inst.InstanceID,
		Service: ServiceName,
		Address: inst.HTTPAddr,
		Tags:    tags,
		Meta:    meta,
	}, consul.RegistrarOptions{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("bookstore: registry %s: %w", addr, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Register(ctx); err != nil {
		return nil, fmt.Errorf("bookstore: cannot register with the registry at %s (start one with `kitbench registry`, or point -registry at a Consul agent): %w", addr, err)
	}
	return r, nil
}
