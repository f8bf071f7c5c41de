package workbench

import (
	"cmp"
	"context"
	"os"
	"time"

	"github.com/kitbench/kitbench/internal/sanitize"
	"github.com/kitbench/kitbench/probes/discovery"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/probes/introspect"
)

// MaxCell bounds one field of remote text (a service, an address, an
// error) in the commands' tables and in the errors that quote it, in
// terminal cells.
const MaxCell = 120

// cell is remote text as one field: sanitize.Line at MaxCell cells.
func cell(s string) string { return sanitize.Line(s, MaxCell) }

// FleetOptions say where a fleet is and how to watch it.
type FleetOptions struct {
	// Source is where the instances are; the zero value is the registry
	// at CONSUL_HTTP_ADDR, else ETCDCTL_ENDPOINTS, else 127.0.0.1:8500.
	Source discovery.Options
	// Timeout bounds the wait for the source and every instance to
	// answer once; zero means DefaultConnectTimeout.
	Timeout time.Duration
	// Scrape is how often the instances' metrics are read
	// (hub.Options.ScrapeInterval: zero is the hub's default, negative
	// reads none).
	Scrape time.Duration
	// Prometheus is a Prometheus server's URL to read the metrics from
	// instead (MetricsSource); empty means PROMETHEUS_URL, else none.
	Prometheus string
}

// Observe starts a hub on o.Source, waits until the source and every
// instance have answered once (or o.Timeout: a slow instance is shown as
// it is), and returns it; the caller closes it. Options the hub refuses
// give an ExitUsage error; a source that does not answer, an
// ExitUnreachable one that names it (Where) and how to start one.
func Observe(ctx context.Context, o FleetOptions) (*hub.Hub, error) {
	ms, err := MetricsSource(o.Prometheus, os.Getenv)
	if err != nil {
		return nil, err
	}
	h, err := hub.New(hub.Options{
		Discovery:      o.Source,
		Introspect:     introspect.Options{Token: AdminToken(ctx)},
		ScrapeInterval: o.Scrape,
		Metrics:        ms,
	})
	if err != nil {
		return nil, Exit(ExitUsage, err)
	}
	timeout := cmp.Or(o.Timeout, DefaultConnectTimeout)
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_ = h.WaitSettled(wctx)
	src := h.Snapshot().Source
	if src.Err != "" || !src.Ready {
		h.Close()
		why := cmp.Or(src.Err, "no answer within "+timeout.String())
		return nil, Exitf(ExitUnreachable, "cannot reach the registry at %s: %s; %s",
			Where(o.Source, os.Getenv), cell(why), StartAFleet)
	}
	return h, nil
}

// Where says which registry src reads and why, for messages: "ADDR
// (--etcd)", "ADDR (--consul)", "ADDR (ETCDCTL_ENDPOINTS)", "ADDR
// (CONSUL_HTTP_ADDR)" or "127.0.0.1:8500 (the default)", with the
// environment read through getenv.
func Where(src discovery.Options, getenv func(string) string) string {
	switch {
	case src.Etcd != "":
		return src.Etcd + " (--etcd)"
	case src.Consul != "":
		return src.Consul + " (--consul)"
	case len(src.Targets) == 0 && EtcdFromEnv(false, getenv) != "":
		return getenv("ETCDCTL_ENDPOINTS") + " (ETCDCTL_ENDPOINTS)"
	case getenv("CONSUL_HTTP_ADDR") != "":
		return getenv("CONSUL_HTTP_ADDR") + " (CONSUL_HTTP_ADDR)"
	}
	return "127.0.0.1:8500 (the default)"
}

// EtcdFromEnv is the etcd a command uses when its flags name none:
// ETCDCTL_ENDPOINTS, unless they name another source (named) or
// CONSUL_HTTP_ADDR is set, as probes/discovery decides. Empty means no
// etcd.
func EtcdFromEnv(named bool, getenv func(string) string) string {
	if named || getenv("CONSUL_HTTP_ADDR") != "" {
		return ""
	}
	return getenv("ETCDCTL_ENDPOINTS")
}

// Listing is a fleet grouped by service, the shape of `kitbench list -o
// json`.
type Listing struct {
	Source   hub.SourceStatus `json:"source"`
	Services []ListedService  `json:"services"` // never nil
}

// ListedService is one service of a Listing.
type ListedService struct {
	Name      string           `json:"name"`
	Instances []ListedInstance `json:"instances"`
}

// ListedInstance is one instance of a ListedService.
type ListedInstance struct {
	ID            string            `json:"id"`
	Address       string            `json:"address"`
	Health        string            `json:"health"`
	State         hub.State         `json:"state"`
	Introspection hub.Introspection `json:"introspection"`
	Stale         bool              `json:"stale,omitempty"`
	Error         string            `json:"error,omitempty"`
	Admin         string            `json:"admin,omitempty"`
	Version       string            `json:"version,omitempty"`
	Tags          []string          `json:"tags,omitempty"`
}

// List groups the snapshot's instances, which the hub keeps sorted by
// service, into services.
func List(s hub.Snapshot) Listing {
	out := Listing{Source: s.Source, Services: []ListedService{}}
	for _, in := range s.Instances {
		name := in.Name()
		if n := len(out.Services); n == 0 || out.Services[n-1].Name != name {
			out.Services = append(out.Services, ListedService{Name: name})
		}
		li := ListedInstance{ID: in.InstanceID, Address: in.Address, Health: in.Health, State: in.State,
			Introspection: in.Intro, Stale: in.Stale, Error: in.Err, Admin: in.Admin, Tags: in.Tags}
		if in.Info != nil {
			li.Version = in.Info.Version
		}
		svc := &out.Services[len(out.Services)-1]
		svc.Instances = append(svc.Instances, li)
	}
	return out
}
