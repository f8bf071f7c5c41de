package workbench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/probes/discovery"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/probes/scrape"
)

func TestWhere(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	etcd, consul := env("ETCDCTL_ENDPOINTS", "e:2379"), env("ETCDCTL_ENDPOINTS", "e:2379", "CONSUL_HTTP_ADDR", "c:8500")
	for _, c := range []struct {
		src  discovery.Options
		env  func(string) string
		want string
	}{
		{discovery.Options{Etcd: "x:2379"}, consul, "x:2379 (--etcd)"},
		{discovery.Options{Consul: "x:8500"}, etcd, "x:8500 (--consul)"},
		{discovery.Options{}, etcd, "e:2379 (ETCDCTL_ENDPOINTS)"},
		{discovery.Options{}, consul, "c:8500 (CONSUL_HTTP_ADDR)"},
		{discovery.Options{Targets: []string{"t:1"}}, etcd, "127.0.0.1:8500 (the default)"},
		{discovery.Options{}, env(), "127.0.0.1:8500 (the default)"},
	} {
		if got := Where(c.src, c.env); got != c.want {
			t.Errorf("Where(%+v) = %q, want %q", c.src, got, c.want)
		}
	}
	if EtcdFromEnv(true, etcd) != "" || EtcdFromEnv(false, consul) != "" || EtcdFromEnv(false, etcd) != "e:2379" {
		t.Error("EtcdFromEnv: ETCDCTL_ENDPOINTS only when no source is named and CONSUL_HTTP_ADDR is unset")
	}
}

func TestObserveUnreachable(t *testing.T) {
	addr := closedAddr(t)
	h, err := Observe(context.Background(), FleetOptions{Source: discovery.Options{Consul: addr}, Timeout: 5 * time.Second, Scrape: -1})
	if h != nil || code(err) != ExitUnreachable || !strings.Contains(err.Error(), "cannot reach the registry at "+addr+" (--consul)") {
		t.Errorf("%v (exit %d)", err, code(err))
	}
}

// TestListAndDescribeFleet lists two registered Book instances as one
// service and describes it; an unknown service names the known ones.
func TestListAndDescribeFleet(t *testing.T) {
	reg := registry(t)
	book(t, bookstore.Config{InstanceID: "book-1", Registry: reg})
	book(t, bookstore.Config{InstanceID: "book-2", Registry: reg})
	o := FleetOptions{Source: discovery.Options{Consul: reg}, Timeout: 10 * time.Second, Scrape: -1}
	h, err := Observe(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	l := List(h.Snapshot())
	h.Close()
	if len(l.Services) != 1 || l.Services[0].Name != "bookstore" || len(l.Services[0].Instances) != 2 ||
		l.Services[0].Instances[0].ID != "book-1" || l.Services[0].Instances[1].Version != "dev" || !l.Source.Ready {
		t.Errorf("listing %+v", l)
	}
	src, insts, err := DescribeService(context.Background(), o, "bookstore")
	if err != nil || len(insts) != 2 || !src.Ready {
		t.Errorf("describe: %v %d instances", err, len(insts))
	}
	_, _, err = DescribeService(context.Background(), o, "nope")
	if code(err) != ExitUnreachable || !strings.HasSuffix(err.Error(), "; known services: bookstore") {
		t.Errorf("an unknown service: %v (exit %d)", err, code(err))
	}
	if l := List(hub.Snapshot{}); l.Services == nil {
		t.Error("an empty fleet lists nil services; -o json wants []")
	}
}

func TestUnmeasured(t *testing.T) {
	up := hub.InstanceState{Instance: hub.Instance{Admin: "http://a", State: hub.StateUp}}
	measured := up
	measured.Metrics = &hub.MetricsUpdate{Stats: scrape.Stats{Interval: time.Second}}
	failing := up
	failing.Metrics = &hub.MetricsUpdate{Err: "no /metrics"}
	noAdmin := up
	noAdmin.Admin = ""
	for _, c := range []struct {
		name string
		in   hub.InstanceState
		want bool
	}{{"up, no metrics yet", up, true}, {"measured", measured, false}, {"metrics fail", failing, false}, {"no admin listener", noAdmin, false}} {
		if got := unmeasured(c.in); got != c.want {
			t.Errorf("%s: unmeasured = %v", c.name, got)
		}
	}
}
