package workbench

import (
	"net"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/examples/bookstore/booktest"
	"github.com/kitbench/kitbench/internal/testutil/registrytest"
	"github.com/kitbench/kitbench/kit/sd"
)

// registry runs a dev registry on a free loopback port for the test.
func registry(t *testing.T) string {
	t.Helper()
	_, addr := registrytest.Start(t, "127.0.0.1:0")
	return addr
}

// book runs a Book instance for the test.
func book(t *testing.T, cfg bookstore.Config) *bookstore.Instance { return booktest.Start(t, cfg) }

// registered is inst as the registry lists it: gRPC, HTTP and admin
// addresses in its metadata.
func registered(inst *bookstore.Instance) sd.Instance {
	return sd.Instance{ID: inst.InstanceID, Service: "bookstore", Address: inst.HTTPAddr, Health: sd.HealthPassing,
		Meta: map[string]string{sd.MetaGRPC: inst.GRPCAddr, sd.MetaHTTP: inst.HTTPAddr, sd.MetaAdmin: "http://" + inst.AdminAddr}}
}

// httpOnly is inst publishing no gRPC address.
func httpOnly(inst *bookstore.Instance) sd.Instance {
	in := registered(inst)
	in.Meta = map[string]string{sd.MetaHTTP: inst.HTTPAddr, sd.MetaAdmin: "http://" + inst.AdminAddr}
	return in
}

// closedAddr is a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// gone is an instance that cannot be reached.
func gone(t *testing.T, id string) sd.Instance {
	return sd.Instance{ID: id, Service: "bookstore", Health: sd.HealthPassing, Meta: map[string]string{sd.MetaGRPC: closedAddr(t)}}
}
