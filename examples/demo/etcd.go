package demo

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/examples/gateway"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/etcd"
)

// onEtcd is the fleet's etcd: the connection, the gateway's watch of the
// Book service, and every instance's registration.
type onEtcd struct {
	conn      *etcd.Conn
	instancer *etcd.Instancer
	mu        sync.Mutex
	regs      map[string]*etcd.Registrar // by instance ID; mu guards it
}

// useEtcd connects to etcd at endpoints and checks that it answers.
func (f *Fleet) useEtcd(ctx context.Context, endpoints string) error {
	conn, err := etcd.NewClient(endpoints)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	f.Registry, f.OnEtcd = strings.Join(conn.Endpoints(), ","), true
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := conn.Ping(pctx); err != nil {
		_ = conn.Close()
		return fmt.Errorf("demo: etcd at %s does not answer (is it running? check --etcd or ETCDCTL_ENDPOINTS): %w", f.Registry, err)
	}
	f.etcd = &onEtcd{conn: conn, regs: map[string]*etcd.Registrar{}}
	f.etcd.instancer = etcd.NewInstancer(conn, bookstore.ServiceName, etcd.InstancerOptions{})
	return nil
}

// register announces inst in etcd, under a lease kept alive until close.
func (e *onEtcd) register(ctx context.Context, inst sd.Instance) error {
	r, err := etcd.NewRegistrar(e.conn, inst, etcd.RegistrarOptions{})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := r.Register(ctx); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	e.mu.Lock()
	e.regs[inst.ID] = r
	e.mu.Unlock()
	return nil
}

// deregister removes the instance id from etcd, if it was registered. The
// fleet deregisters its instances concurrently.
func (e *onEtcd) deregister(ctx context.Context, id string) error {
	e.mu.Lock()
	r := e.regs[id]
	delete(e.regs, id)
	e.mu.Unlock()
	if r == nil {
		return nil
	}
	return r.Deregister(ctx)
}

// close stops the watch and closes the connection, after every instance
// has been deregistered.
func (e *onEtcd) close() error {
	e.instancer.Stop()
	return e.conn.Close()
}

// bookInstance describes a Book instance the way bookstore's own
// registration does: its HTTP address, and every listener in the metadata.
func bookInstance(b *bookstore.Instance) sd.Instance {
	inst := listeners(b.InstanceID, bookstore.ServiceName, b.HTTPAddr, b.GRPCAddr, b.AdminAddr)
	if b.ThriftAddr != "" {
		inst.Tags = append(inst.Tags, "thrift")
		inst.Meta[sd.MetaThrift] = b.ThriftAddr
	}
	return inst
}

func gatewayInstance(g *gateway.Instance) sd.Instance {
	return listeners(g.InstanceID, gateway.ServiceName, g.HTTPAddr, g.GRPCAddr, g.AdminAddr)
}

func listeners(id, service, httpAddr, grpcAddr, adminAddr string) sd.Instance {
	return sd.Instance{ID: id, Service: service, Address: httpAddr, Tags: []string{"http", "grpc"},
		Meta: map[string]string{sd.MetaHTTP: httpAddr, sd.MetaGRPC: grpcAddr, sd.MetaAdmin: "http://" + adminAddr}}
}
