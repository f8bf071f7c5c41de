package discovery

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/etcd"
)

// etcdEndpoints returns the etcd endpoints opts choose: Etcd, or
// ETCDCTL_ENDPOINTS when no other source is named (neither Consul, Targets
// nor CONSUL_HTTP_ADDR). Empty means no etcd.
func etcdEndpoints(opts Options) string {
	if opts.Etcd != "" || opts.Consul != "" || len(opts.Targets) > 0 || os.Getenv("CONSUL_HTTP_ADDR") != "" {
		return opts.Etcd
	}
	return os.Getenv("ETCDCTL_ENDPOINTS")
}

// watchEtcd follows every service under kit's prefix in etcd with one
// kit/sd/etcd Instancer.
func (w *Watcher) watchEtcd(ctx context.Context, endpoints string, opts Options) error {
	conn, err := etcd.NewClient(endpoints)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNoSource, err)
	}
	addr := strings.Join(conn.Endpoints(), ",")
	w.state = Snapshot{Source: "etcd at " + addr, Addr: addr}
	inst := etcd.NewInstancer(conn, "", etcd.InstancerOptions{
		Prefix:           opts.EtcdPrefix,
		IncludeUnhealthy: true,
		Timeout:          2 * time.Second, // a one-shot command learns of an outage before its own timeout
		BackoffMin:       opts.BackoffMin,
		BackoffMax:       opts.BackoffMax,
	})
	w.closeFn = func() { _ = conn.Close() }
	ch := make(chan sd.Event, 1)
	inst.Register(ch)
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		defer inst.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-ch:
				w.applyEtcd(ev)
			}
		}
	}()
	return nil
}

// applyEtcd turns one event of the every-service Instancer into the
// snapshot: its instances come sorted by service, then ID.
func (w *Watcher) applyEtcd(ev sd.Event) {
	stale := ev.Err != nil || ev.Stale
	var services []Service
	for i := 0; i < len(ev.Instances); {
		j := i + 1
		for j < len(ev.Instances) && ev.Instances[j].Service == ev.Instances[i].Service {
			j++
		}
		services = append(services, Service{Name: ev.Instances[i].Service, Instances: ev.Instances[i:j:j],
			Stale: stale, Err: ev.Err, Known: true})
		i = j
	}
	w.mu.Lock()
	w.answered = true
	w.mu.Unlock()
	w.update(func(s *Snapshot) {
		s.Services, s.Err, s.Stale = services, ev.Err, stale
	})
}
