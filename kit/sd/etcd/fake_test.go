package etcd

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kitbench/kitbench/kit/sd"
)

// fakeWatch is a programmable WatchClient. list answers each List by its
// number (0-based); each Watch gets a channel the test sends on, recorded
// with the revision it started from; ping answers each Ping (nil: success).
type fakeWatch struct {
	mu      sync.Mutex
	list    func(ctx context.Context, n int) ([]KeyValue, int64, error)
	ping    func(ctx context.Context) error
	lists   []time.Time
	watches []watchCall
	pings   int
}

type watchCall struct {
	rev int64
	ch  chan WatchResponse
	ctx context.Context
}

func (f *fakeWatch) List(ctx context.Context, prefix string) ([]KeyValue, int64, error) {
	f.mu.Lock()
	n := len(f.lists)
	f.lists = append(f.lists, time.Now())
	list := f.list
	f.mu.Unlock()
	return list(ctx, n)
}

func (f *fakeWatch) Watch(ctx context.Context, prefix string, rev int64) <-chan WatchResponse {
	ch := make(chan WatchResponse)
	f.mu.Lock()
	f.watches = append(f.watches, watchCall{rev: rev, ch: ch, ctx: ctx})
	f.mu.Unlock()
	return ch
}

func (f *fakeWatch) Ping(ctx context.Context) error {
	f.mu.Lock()
	f.pings++
	ping := f.ping
	f.mu.Unlock()
	if ping == nil {
		return nil
	}
	return ping(ctx)
}

// watch returns the n-th watch (0-based).
func (f *fakeWatch) watch(n int) watchCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n >= len(f.watches) {
		panic(fmt.Sprintf("watch %d not started (%d so far)", n, len(f.watches)))
	}
	return f.watches[n]
}

func (f *fakeWatch) counts() (lists, watches, pings int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.lists), len(f.watches), f.pings
}

func (f *fakeWatch) listTimes() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.lists...)
}

// kv builds the key and value of a passing instance of svc.
func kv(svc, id string, port int) KeyValue {
	v, err := encode(sd.Instance{ID: id, Service: svc, Address: fmt.Sprintf("10.0.0.1:%d", port)})
	if err != nil {
		panic(err)
	}
	return KeyValue{Key: DefaultPrefix + svc + "/" + id, Value: []byte(v)}
}

func put(k KeyValue) WatchEvent { return WatchEvent{Key: k.Key, Value: k.Value} }

func del(svc, id string) WatchEvent {
	return WatchEvent{Key: DefaultPrefix + svc + "/" + id, Delete: true}
}

func ids(ev sd.Event) []string {
	var out []string
	for _, i := range ev.Instances {
		out = append(out, i.ID)
	}
	return out
}

var errDown = errors.New("context deadline exceeded: connection refused")

// fakeLease is a programmable LeaseClient.
type fakeLease struct {
	mu       sync.Mutex
	next     int64
	grants   []time.Time
	grantErr func(n int) error
	putErr   error
	puts     []string // "key lease"
	alive    map[int64]chan struct{}
	deletes  []string
	revokes  []int64
}

func (f *fakeLease) Grant(ctx context.Context, ttl time.Duration) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.grants)
	f.grants = append(f.grants, time.Now())
	if f.grantErr != nil {
		if err := f.grantErr(n); err != nil {
			return 0, err
		}
	}
	f.next++
	return 100 + f.next, nil
}

func (f *fakeLease) KeepAlive(ctx context.Context, lease int64) (<-chan struct{}, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.alive == nil {
		f.alive = map[int64]chan struct{}{}
	}
	ch := make(chan struct{})
	f.alive[lease] = ch
	return ch, nil
}

// lose closes the keep-alive channel of lease, as etcd's client does when
// the lease is revoked or expires.
func (f *fakeLease) lose(lease int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	close(f.alive[lease])
	delete(f.alive, lease)
}

func (f *fakeLease) Put(ctx context.Context, key, value string, lease int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.puts = append(f.puts, fmt.Sprintf("%s %d", key, lease))
	return f.putErr
}

func (f *fakeLease) Delete(ctx context.Context, key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deletes = append(f.deletes, key)
	return nil
}

func (f *fakeLease) Revoke(ctx context.Context, lease int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revokes = append(f.revokes, lease)
	return nil
}

func (f *fakeLease) record() (puts, deletes []string, revokes []int64, grants []time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.puts...), append([]string(nil), f.deletes...), append([]int64(nil), f.revokes...), append([]time.Time(nil), f.grants...)
}
