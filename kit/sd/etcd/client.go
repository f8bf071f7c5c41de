package etcd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// DefaultEndpoint is where NewClient looks for etcd when given no endpoint
// and ETCDCTL_ENDPOINTS is not set: etcd's own default client URL.
const DefaultEndpoint = "127.0.0.1:2379"

// ErrNoEndpoints is returned by NewClient when the endpoint list it is given
// holds only separators.
var ErrNoEndpoints = errors.New("etcd: no endpoints")

// KeyValue is one key of the store as a list returns it.
type KeyValue struct {
	Key   string
	Value []byte
}

// WatchEvent is one change under a watched prefix: a put of Value at Key,
// or, with Delete set, the removal of Key (by a delete or an expired or
// revoked lease).
type WatchEvent struct {
	Key    string
	Value  []byte
	Delete bool
}

// WatchResponse is one message of a watch. A response with CompactRevision
// or Err set is the last one: the watch has ended.
type WatchResponse struct {
	// Events are the changes, in revision order. Progress notifications
	// carry none.
	Events []WatchEvent
	// CompactRevision, when not zero, says that the revision the watch
	// was to start from has been compacted away: history before
	// CompactRevision is gone, and the watch has ended.
	CompactRevision int64
	// Err, when set, says why the watch ended (the member lost its leader,
	// the server cancelled it).
	Err error
}

// WatchClient is the part of etcd that an Instancer uses. It is narrow so
// that tests can drive every failure a real server cannot be made to show
// on demand (a watch that ends, a compaction at the worst moment, a probe
// that hangs). Implementations must honour ctx.
type WatchClient interface {
	// List returns every key under prefix and the store's revision at the
	// time of the read.
	List(ctx context.Context, prefix string) ([]KeyValue, int64, error)
	// Watch reports changes under prefix from revision rev on. The channel
	// is closed when ctx ends or after a response that ends the watch; the
	// caller cancels ctx when it stops reading.
	Watch(ctx context.Context, prefix string, rev int64) <-chan WatchResponse
	// Ping makes one small linearizable read: an error means the cluster
	// cannot be reached or has no leader.
	Ping(ctx context.Context) error
}

// LeaseClient is the part of etcd that a Registrar uses. Implementations
// must honour ctx.
type LeaseClient interface {
	// Grant creates a lease of at least ttl (rounded up to whole seconds)
	// and returns its id.
	Grant(ctx context.Context, ttl time.Duration) (int64, error)
	// KeepAlive keeps lease alive until ctx ends. The channel receives a
	// value per acknowledged keep-alive and is closed when the lease can
	// no longer be kept: it expired or was revoked, it went unacknowledged
	// for its whole TTL, or ctx ended.
	KeepAlive(ctx context.Context, lease int64) (<-chan struct{}, error)
	// Put writes value at key, attached to lease (none if lease is 0).
	Put(ctx context.Context, key, value string, lease int64) error
	// Delete removes key.
	Delete(ctx context.Context, key string) error
	// Revoke ends lease and deletes every key attached to it.
	Revoke(ctx context.Context, lease int64) error
}

// Client is everything this package uses of etcd.
type Client interface {
	WatchClient
	LeaseClient
}

// Conn is a Client over etcd's official v3 client. Close it when done.
type Conn struct {
	c *clientv3.Client
}

var _ Client = (*Conn)(nil)

// NewClient returns a Client for the etcd cluster at endpoints, a
// comma-separated list of host:port or URLs. Empty means ETCDCTL_ENDPOINTS,
// as in etcd's own tools, else DefaultEndpoint. It does not wait for a
// connection: an etcd that is down shows up as errors of the first calls.
func NewClient(endpoints string) (*Conn, error) {
	eps := Endpoints(endpoints)
	if len(eps) == 0 {
		return nil, fmt.Errorf("%w in %q", ErrNoEndpoints, endpoints)
	}
	c, err := clientv3.New(clientv3.Config{
		Endpoints:            eps,
		DialTimeout:          5 * time.Second,
		DialKeepAliveTime:    10 * time.Second,
		DialKeepAliveTimeout: 5 * time.Second,
		Logger:               zap.NewNop(),
	})
	if err != nil {
		return nil, fmt.Errorf("etcd: client for %s: %w", strings.Join(eps, ","), err)
	}
	return Wrap(c), nil
}

// Endpoints splits a comma-separated endpoint list. Empty means
// ETCDCTL_ENDPOINTS, else DefaultEndpoint.
func Endpoints(list string) []string {
	if strings.TrimSpace(list) == "" {
		list = os.Getenv("ETCDCTL_ENDPOINTS")
	}
	if strings.TrimSpace(list) == "" {
		return []string{DefaultEndpoint}
	}
	var out []string
	for e := range strings.SplitSeq(list, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// Wrap adapts a configured *clientv3.Client. Closing the Conn closes c.
func Wrap(c *clientv3.Client) *Conn { return &Conn{c: c} }

// Endpoints returns the endpoints the client dials.
func (c *Conn) Endpoints() []string { return c.c.Endpoints() }

// Close closes the connection.
func (c *Conn) Close() error { return c.c.Close() }

// List implements WatchClient.
func (c *Conn) List(ctx context.Context, prefix string) ([]KeyValue, int64, error) {
	resp, err := c.c.Get(ctx, prefix, clientv3.WithPrefix())
	if err != nil {
		return nil, 0, err
	}
	out := make([]KeyValue, len(resp.Kvs))
	for i, kv := range resp.Kvs {
		out[i] = KeyValue{Key: string(kv.Key), Value: kv.Value}
	}
	return out, resp.Header.GetRevision(), nil
}

// Watch implements WatchClient. The watch requires a leader, so a member
// cut off from its cluster ends it rather than serving an old view.
//
// It never blocks: etcd's client returns a watch only once the server has
// acknowledged it, which, with the server gone, is never; that wait happens
// on the goroutine that feeds the returned channel.
func (c *Conn) Watch(ctx context.Context, prefix string, rev int64) <-chan WatchResponse {
	out := make(chan WatchResponse)
	go func() {
		defer close(out)
		in := c.c.Watch(clientv3.WithRequireLeader(ctx), prefix, clientv3.WithPrefix(), clientv3.WithRev(rev))
		for wr := range in {
			r := WatchResponse{CompactRevision: wr.CompactRevision}
			if r.CompactRevision == 0 {
				r.Err = wr.Err()
			}
			if len(wr.Events) > 0 {
				r.Events = make([]WatchEvent, len(wr.Events))
				for i, ev := range wr.Events {
					r.Events[i] = WatchEvent{Key: string(ev.Kv.Key), Value: ev.Kv.Value, Delete: ev.Type == clientv3.EventTypeDelete}
				}
			} else if r.Err == nil && r.CompactRevision == 0 {
				continue // created or progress notification
			}
			select {
			case out <- r:
			case <-ctx.Done():
				return
			}
			if r.Err != nil || r.CompactRevision != 0 {
				return
			}
		}
	}()
	return out
}

// Ping implements WatchClient.
func (c *Conn) Ping(ctx context.Context) error {
	_, err := c.c.Get(ctx, "kit-ping", clientv3.WithCountOnly())
	return err
}

// Grant implements LeaseClient.
func (c *Conn) Grant(ctx context.Context, ttl time.Duration) (int64, error) {
	secs := max(int64((ttl+time.Second-1)/time.Second), 1)
	resp, err := c.c.Grant(ctx, secs)
	if err != nil {
		return 0, err
	}
	return int64(resp.ID), nil
}

// KeepAlive implements LeaseClient.
func (c *Conn) KeepAlive(ctx context.Context, lease int64) (<-chan struct{}, error) {
	in, err := c.c.KeepAlive(ctx, clientv3.LeaseID(lease))
	if err != nil {
		return nil, err
	}
	out := make(chan struct{}, 1)
	go func() {
		defer close(out)
		for range in {
			select {
			case out <- struct{}{}:
			default: // the reader has one already; it only counts closes
			}
		}
	}()
	return out, nil
}

// Put implements LeaseClient.
func (c *Conn) Put(ctx context.Context, key, value string, lease int64) error {
	var opts []clientv3.OpOption
	if lease != 0 {
		opts = append(opts, clientv3.WithLease(clientv3.LeaseID(lease)))
	}
	_, err := c.c.Put(ctx, key, value, opts...)
	return err
}

// Delete implements LeaseClient.
func (c *Conn) Delete(ctx context.Context, key string) error {
	_, err := c.c.Delete(ctx, key)
	return err
}

// Revoke implements LeaseClient.
func (c *Conn) Revoke(ctx context.Context, lease int64) error {
	_, err := c.c.Revoke(ctx, clientv3.LeaseID(lease))
	return err
}
