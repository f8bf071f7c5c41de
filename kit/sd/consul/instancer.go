package consul

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/consul/api"
	"golang.org/x/time/rate"

	"github.com/kitbench/kitbench/internal/backoff"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/internal/fanout"
)

// InstancerOptions configure an Instancer. The zero value watches passing
// instances with every default below.
type InstancerOptions struct {
	// Tags keeps only instances that carry every one of these tags. Nil
	// means no tag filter.
	Tags []string
	// IncludeUnhealthy also reports warning and critical instances (their
	// Health says which). False means passing instances only.
	IncludeUnhealthy bool
	// Wait is the blocking-query wait time sent with every query. Zero
	// means one minute; Consul caps it at ten.
	Wait time.Duration
	// Timeout bounds each query, so that an agent that accepts the
	// connection and never answers (a hung agent, a network dropping
	// packets) counts as down (ErrUnresponsive) instead of freezing the
	// watch. Zero means QueryTimeout(Wait): Wait + Wait/16 + 5 s. A value
	// below Wait + Wait/16 is raised to that, or a quiet service would
	// time out every query.
	Timeout time.Duration
	// RateEvery is the spacing between queries once RateBurst queries have
	// been spent, so a churning index cannot spin the loop. Zero means 15
	// seconds; negative disables the limit (tests only).
	RateEvery time.Duration
	// RateBurst is how many queries may run back to back. Zero means 2.
	RateBurst int
	// BackoffMin is the first retry delay after an error; it doubles per
	// consecutive error up to BackoffMax, and each delay is jittered to
	// between half and all of it. Zero means one second.
	BackoffMin time.Duration
	// BackoffMax caps the retry delay. Zero means 30 seconds.
	BackoffMax time.Duration
}

// Instancer watches one service in Consul with blocking health queries and
// publishes its instances. Create it with NewInstancer and end it with Stop.
type Instancer struct {
	client  Client
	service string
	opts    InstancerOptions
	limiter *rate.Limiter
	out     fanout.Fanout
	cancel  context.CancelFunc
	done    chan struct{}
	stop    sync.Once
}

var _ sd.Instancer = (*Instancer)(nil)

// NewInstancer starts watching service through c. The first result is
// delivered to observers as soon as the first query answers.
func NewInstancer(c Client, service string, opts InstancerOptions) *Instancer {
	if opts.Wait <= 0 {
		opts.Wait = time.Minute
	}
	if opts.Timeout <= 0 {
		opts.Timeout = QueryTimeout(opts.Wait)
	}
	opts.Timeout = max(opts.Timeout, opts.Wait+opts.Wait/16)
	if opts.RateEvery == 0 {
		opts.RateEvery = 15 * time.Second
	}
	if opts.RateBurst <= 0 {
		opts.RateBurst = 2
	}
	if opts.BackoffMin <= 0 {
		opts.BackoffMin = time.Second
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = 30 * time.Second
	}
	opts.BackoffMax = max(opts.BackoffMax, opts.BackoffMin)
	lim := rate.NewLimiter(rate.Inf, 0)
	if opts.RateEvery > 0 {
		lim = rate.NewLimiter(rate.Every(opts.RateEvery), opts.RateBurst)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Instancer{
		client: c, service: service, opts: opts, limiter: lim,
		cancel: cancel, done: make(chan struct{}),
	}
	go s.loop(ctx)
	return s
}

// Register adds ch as an observer. It receives the current state as soon as
// one is known and every change after, each a whole set (Consul's blocking
// query answers with the whole set; this Instancer sends no deltas). A
// slow observer is never waited for: when it is ready it receives the
// newest state, skipping older ones. Observers share each event's slices:
// they must not be modified.
func (s *Instancer) Register(ch chan<- sd.Event) { s.out.Register(ch) }

// Deregister removes ch; once it returns nothing more is sent on ch.
func (s *Instancer) Deregister(ch chan<- sd.Event) { s.out.Deregister(ch) }

// Stop ends the watch loop and every observer's delivery goroutine, and
// waits for them. It is idempotent.
func (s *Instancer) Stop() {
	s.stop.Do(func() {
		s.cancel()
		<-s.done
		s.out.Stop()
	})
}

func (s *Instancer) loop(ctx context.Context) {
	defer close(s.done)
	var (
		index    uint64
		failures int
		last     []sd.Instance
		known    bool // last holds a successful answer
		stale    bool // the last published event was an error
	)
	for {
		if s.limiter.Wait(ctx) != nil {
			return
		}
		entries, got, err := s.query(ctx, index)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			failures++
			stale = true
			s.out.Publish(sd.Event{Instances: last, Err: err, Stale: true})
			if !backoff.Sleep(ctx, backoff.Delay(s.opts.BackoffMin, s.opts.BackoffMax, failures)) {
				return
			}
			continue
		}
		failures = 0
		index = nextIndex(index, got)
		inst := convert(entries)
		if !known || stale || !slices.EqualFunc(inst, last, fanout.Equal) {
			last, known, stale = inst, true, false
			s.out.Publish(sd.Event{Instances: inst})
		}
	}
}

// query runs one health query, bounded by the Timeout option.
func (s *Instancer) query(ctx context.Context, index uint64) ([]*api.ServiceEntry, uint64, error) {
	qctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	entries, got, err := s.client.Service(qctx, s.service, s.opts.Tags, !s.opts.IncludeUnhealthy, index, s.opts.Wait)
	return entries, got, unresponsive(ctx, qctx, err, fmt.Sprintf("health query for %q", s.service), s.opts.Timeout)
}

// nextIndex applies Consul's rules for blocking queries to the index an
// answer returned: an index that went backwards resets the loop to 0 (what
// the next query waits on is no longer meaningful), and after every answer
// the index is raised to at least 1, so the next query blocks instead of
// returning at once forever. After a reset, waiting on 1 fetches the whole
// current state straight away, exactly as a restarted loop would.
func nextIndex(prev, got uint64) uint64 {
	next := got
	if got < prev {
		next = 0
	}
	return max(next, 1)
}

// convert turns health entries into instances sorted by ID. The address is
// the service's own, or its node's when the service did not set one.
func convert(entries []*api.ServiceEntry) []sd.Instance {
	out := make([]sd.Instance, 0, len(entries))
	for _, e := range entries {
		if e == nil || e.Service == nil {
			continue
		}
		host := e.Service.Address
		if host == "" && e.Node != nil {
			host = e.Node.Address
		}
		out = append(out, sd.Instance{
			ID:      e.Service.ID,
			Service: e.Service.Service,
			Address: net.JoinHostPort(host, strconv.Itoa(e.Service.Port)),
			Tags:    e.Service.Tags,
			Meta:    e.Service.Meta,
			Health:  health(e.Checks),
		})
	}
	slices.SortFunc(out, func(a, b sd.Instance) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out
}

// health aggregates checks: any critical (or in maintenance) makes the
// instance critical, else any warning makes it warning.
func health(checks api.HealthChecks) string {
	h := sd.HealthPassing
	for _, c := range checks {
		switch c.Status {
		case api.HealthPassing:
		case api.HealthWarning:
			h = sd.HealthWarning
		default:
			return sd.HealthCritical
		}
	}
	return h
}
