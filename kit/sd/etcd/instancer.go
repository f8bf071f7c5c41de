package etcd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/kitbench/kitbench/internal/backoff"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/internal/fanout"
)

// ErrCompacted is wrapped by the error event an Instancer publishes when
// the revision its watch was to resume from has been compacted away. The
// Instancer lists the prefix again and watches on from there.
var ErrCompacted = errors.New("etcd: watch revision compacted")

// ErrUnreachable is wrapped by the error event an Instancer publishes when
// etcd stops answering while a watch is open (the watch itself would only
// fall silent).
var ErrUnreachable = errors.New("etcd: cluster unreachable")

// ErrWatchEnded is wrapped by the error event an Instancer publishes when
// a watch ends with no reason given.
var ErrWatchEnded = errors.New("etcd: watch ended")

// InstancerOptions configure an Instancer. The zero value watches passing
// instances under DefaultPrefix with every default below.
type InstancerOptions struct {
	// Prefix is the key prefix instances are registered under; a missing
	// trailing slash is added. Empty means DefaultPrefix.
	Prefix string
	// IncludeUnhealthy also reports instances whose value says warning or
	// critical. False means passing instances only.
	IncludeUnhealthy bool
	// ProbeEvery is how often the Instancer checks, while its watch is
	// open, that etcd still answers: a watch whose connection is lost
	// waits silently to reconnect, so without a probe the instances would
	// never be marked stale. Zero means 5 seconds.
	ProbeEvery time.Duration
	// Timeout bounds each list and probe. Zero means 5 seconds.
	Timeout time.Duration
	// BackoffMin is the first retry delay after an error; it doubles per
	// consecutive error up to BackoffMax, and each delay is jittered to
	// between half and all of it. Zero means one second.
	BackoffMin time.Duration
	// BackoffMax caps the retry delay. Zero means 30 seconds.
	BackoffMax time.Duration
	// Logger receives keys that are not instances (a value that is not the
	// documented JSON, say). Nil means no logging.
	Logger *slog.Logger
}

// Instancer watches one service's key prefix in etcd (or every service's)
// and publishes its instances. Create it with NewInstancer and end it with
// Stop.
type Instancer struct {
	client  WatchClient
	service string
	prefix  string // keys watched: the prefix, plus service and "/" if set
	opts    InstancerOptions
	log     *slog.Logger
	out     fanout.Fanout // holds the current set
	cancel  context.CancelFunc
	done    chan struct{}
	stop    sync.Once

	// Owned by the loop goroutine.
	known bool // the set holds a successful answer
	stale bool // the last published event was an error
}

var _ sd.Instancer = (*Instancer)(nil)

// NewInstancer starts watching service through c: the keys under
// opts.Prefix + service + "/". An empty service watches every service under
// the prefix (a workbench's view). The first result is delivered to
// observers as soon as the first list answers.
func NewInstancer(c WatchClient, service string, opts InstancerOptions) *Instancer {
	if opts.ProbeEvery <= 0 {
		opts.ProbeEvery = 5 * time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.BackoffMin <= 0 {
		opts.BackoffMin = time.Second
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = 30 * time.Second
	}
	opts.BackoffMax = max(opts.BackoffMax, opts.BackoffMin)
	opts.Prefix = normPrefix(opts.Prefix)
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	prefix := opts.Prefix
	if service != "" {
		prefix += service + "/"
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Instancer{
		client: c, service: service, prefix: prefix, opts: opts, log: log,
		cancel: cancel, done: make(chan struct{}),
	}
	go s.loop(ctx)
	return s
}

// Register adds ch as an observer. Its first event is the whole current
// set, as soon as one is known; watch events follow as deltas (see
// sd.Event), and each list (the first, and after a compaction or an
// outage) as a whole set. A slow observer is never waited for: when it is
// ready it receives one event that brings it up to date, the deltas it
// missed merged. Observers share each event's slices: they must not be
// modified.
func (s *Instancer) Register(ch chan<- sd.Event) { s.out.Register(ch) }

// Deregister removes ch; once it returns nothing more is sent on ch.
func (s *Instancer) Deregister(ch chan<- sd.Event) { s.out.Deregister(ch) }

// Stop ends the watch and every observer's delivery goroutine, and waits
// for them. It is idempotent.
func (s *Instancer) Stop() {
	s.stop.Do(func() {
		s.cancel()
		<-s.done
		s.out.Stop()
	})
}

func (s *Instancer) loop(ctx context.Context) {
	defer close(s.done)
	failures := 0
	compacted := false // the last watch ended in a compaction
	for {
		rev, err := s.list(ctx)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = s.watch(ctx, rev+1)
			if ctx.Err() != nil {
				return
			}
			failures = 0
		}
		s.fail(err)
		// A compaction is no outage: list again at once. Two in a row
		// (compaction running faster than list-and-watch) call for the
		// usual backoff instead of a spin.
		again := errors.Is(err, ErrCompacted)
		if again && !compacted {
			compacted = true
			continue
		}
		compacted = again
		failures++
		if !backoff.Sleep(ctx, backoff.Delay(s.opts.BackoffMin, s.opts.BackoffMax, failures)) {
			return
		}
	}
}

// list reads the whole prefix, publishes it as a whole set when it differs
// from the current set (or the last event was an error), and returns its
// revision.
func (s *Instancer) list(ctx context.Context) (int64, error) {
	lctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	kvs, rev, err := s.client.List(lctx, s.prefix)
	cancel()
	if err != nil {
		return 0, fmt.Errorf("etcd: list %s: %w", s.prefix, err)
	}
	insts := make([]sd.Instance, 0, len(kvs))
	for _, kv := range kvs {
		svc, id, err := parseKey(s.prefix, s.service, kv.Key)
		if err != nil {
			s.log.Warn("etcd: ignored key", "err", err)
			continue
		}
		if inst, ok := s.instance(svc, id, kv.Value); ok {
			insts = append(insts, inst)
		}
	}
	sortInstances(insts)
	insts = slices.CompactFunc(insts, func(a, b sd.Instance) bool { return a.Service == b.Service && a.ID == b.ID })
	if !s.known || s.stale || !s.out.Holds(insts) {
		s.known, s.stale = true, false
		s.out.Publish(sd.Event{Instances: insts})
	}
	return rev, nil
}

// watch follows the prefix from rev until the watch ends, a probe fails or
// ctx ends, and returns why.
func (s *Instancer) watch(ctx context.Context, rev int64) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := s.client.Watch(wctx, s.prefix, rev)
	probe := time.NewTicker(s.opts.ProbeEvery)
	defer probe.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case r, ok := <-ch:
			switch {
			case !ok:
				return fmt.Errorf("%w: %s", ErrWatchEnded, s.prefix)
			case r.CompactRevision != 0:
				return fmt.Errorf("%w: %s from revision %d, history starts at %d", ErrCompacted, s.prefix, rev, r.CompactRevision)
			case r.Err != nil:
				return fmt.Errorf("etcd: watch %s: %w", s.prefix, r.Err)
			}
			s.apply(r.Events)
		case <-probe.C:
			pctx, pcancel := context.WithTimeout(ctx, s.opts.Timeout)
			err := s.client.Ping(pctx)
			pcancel()
			if err != nil && ctx.Err() == nil {
				return fmt.Errorf("%w: %w", ErrUnreachable, err)
			}
		}
	}
}

// fail marks the current set stale, with err: a delta without changes, so
// an observer keeps what it has (and one registering gets the whole set).
func (s *Instancer) fail(err error) {
	s.stale = true
	s.out.Publish(sd.Event{Err: err, Stale: true, Delta: true})
}

// apply folds watch events into the current set and publishes what
// changed as one delta: the previous values of instances that left or
// changed, and the new values of those that joined or changed. An event
// that changes nothing (a put of the same value, a delete of a key that
// was not an instance) publishes nothing.
func (s *Instancer) apply(events []WatchEvent) {
	for _, ev := range events {
		svc, id, err := parseKey(s.prefix, s.service, ev.Key)
		if err != nil {
			s.log.Warn("etcd: ignored key", "err", err)
			continue
		}
		if !ev.Delete {
			if inst, ok := s.instance(svc, id, ev.Value); ok {
				s.out.Put(inst)
				continue
			}
		}
		s.out.Delete(svc, id)
	}
	s.out.Commit()
}

// instance decodes the value of svc/id, or says to leave it out: not an
// instance, or not passing when only passing ones are wanted.
func (s *Instancer) instance(svc, id string, value []byte) (sd.Instance, bool) {
	inst, err := decode(svc, id, value)
	if err != nil {
		s.log.Warn("etcd: ignored key", "err", err)
		return sd.Instance{}, false
	}
	return inst, s.opts.IncludeUnhealthy || inst.Health == sd.HealthPassing
}
