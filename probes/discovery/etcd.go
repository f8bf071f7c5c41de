package discovery

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
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
		var set []sd.Instance // every instance, sorted by service, then ID
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-ch:
				set = applySorted(set, ev)
				w.applyEtcd(ev, set)
			}
		}
	}()
	return nil
}

// applySorted applies ev to set, which is sorted by service, then ID, and
// returns the new set, sorted the same way. A whole set from kit/sd/etcd
// comes sorted; a delta's additions are appended by Apply, to a new slice
// that nobody else holds yet, and sorted into place here.
func applySorted(set []sd.Instance, ev sd.Event) []sd.Instance {
	next := ev.Apply(set)
	if ev.Delta && len(ev.Instances) > 0 {
		slices.SortFunc(next, func(a, b sd.Instance) int {
			return cmp.Or(cmp.Compare(a.Service, b.Service), cmp.Compare(a.ID, b.ID))
		})
	}
	return next
}

// applyEtcd turns one event of the every-service Instancer, and set, the
// instances after it, into the snapshot.
func (w *Watcher) applyEtcd(ev sd.Event, set []sd.Instance) {
	stale := ev.Err != nil || ev.Stale
	var services []Service
	for i := 0; i < len(set); {
		j := i + 1
		for j < len(set) && set[j].Service == set[i].Service {
			j++
		}
		services = append(services, Service{Name: set[i].Service, Instances: set[i:j:j],
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
