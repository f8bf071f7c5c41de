package hub

import (
	"context"
	"errors"
	"maps"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/discovery"
	"github.com/kitbench/kitbench/probes/introspect"
	"github.com/kitbench/kitbench/probes/scrape"
)

// probe is the set of goroutines watching one instance.
type probe struct {
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	metrics *metricsSource // nil without an admin listener
	release func()         // called once stopped; nil for none
}

func (p *probe) stop() {
	p.cancel()
	p.wg.Wait()
	if p.release != nil {
		p.release()
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// applyDiscovery reconciles the instance set with a source snapshot.
func (h *Hub) applyDiscovery(snap discovery.Snapshot) {
	var stop []*probe
	h.mu.Lock()
	src := SourceStatus{Source: snap.Source, Addr: snap.Addr, Err: errString(snap.Err), Stale: snap.Stale,
		Ready: snap.Ready, Services: len(snap.Services)}
	seen := make(map[Key]bool)
	for _, svc := range snap.Services {
		for _, si := range svc.Instances {
			src.Instances++
			key := Key{Service: cmpOr(si.Service, svc.Name), InstanceID: si.ID}
			seen[key] = true
			if p := h.upsertLocked(key, si, svc.Stale); p != nil {
				stop = append(stop, p)
			}
		}
	}
	for key, in := range h.insts {
		if seen[key] {
			continue
		}
		delete(h.insts, key)
		if in.probe != nil {
			stop = append(stop, in.probe)
		}
		h.publishLocked(InstanceGone{Key: key})
	}
	if src != h.source {
		h.source = src
		h.publishLocked(src)
		h.bumpLocked()
	}
	h.mu.Unlock()
	for _, p := range stop {
		p.stop()
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// upsertLocked adds or updates one instance, starting its probe; it
// returns a probe to stop (outside the lock) when the admin address moved.
func (h *Hub) upsertLocked(key Key, si sd.Instance, stale bool) (old *probe) {
	admin, _ := introspect.AdminURL(si)
	in := h.insts[key]
	if in == nil {
		in = &instance{breakers: map[string]wire.Breaker{}, limiters: map[string]wire.Limiter{}}
		in.inst = Instance{Key: key, State: StateStarting, Since: time.Now()}
		h.insts[key] = in
	} else if in.inst.Admin != admin {
		old, in.probe = in.probe, nil
		clear(in.breakers)
		clear(in.limiters)
		in.metrics, in.controls = nil, nil
		in.inst.State, in.inst.Since, in.inst.Intro, in.inst.Info, in.inst.Err = StateStarting, time.Now(), IntroNone, nil, ""
	}
	next := in.inst
	next.Address, next.Tags, next.Meta, next.Health, next.Stale, next.Admin = si.Address, si.Tags, si.Meta, si.Health, stale, admin
	if key.Service == discovery.StaticService {
		next.Health = "" // no registry checks a static target
	}
	if admin == "" {
		next.Intro = IntroNoAdmin
	}
	h.setInstLocked(in, next)
	if in.probe == nil {
		in.probe = h.startProbe(key, next)
	}
	return old
}

// setInstLocked replaces an instance's state and publishes it if it
// changed.
func (h *Hub) setInstLocked(in *instance, next Instance) {
	cur := in.inst
	if next.State != cur.State {
		next.Since = time.Now()
	}
	if next.Address == cur.Address && next.Health == cur.Health && next.Stale == cur.Stale &&
		next.Admin == cur.Admin && next.State == cur.State && next.Intro == cur.Intro &&
		next.Err == cur.Err && next.Info == cur.Info && slices.Equal(next.Tags, cur.Tags) &&
		maps.Equal(next.Meta, cur.Meta) && next.Since.Equal(cur.Since) {
		return
	}
	in.inst = next
	h.publishLocked(InstanceUpdate{Instance: next})
	h.bumpLocked()
}

// startProbe starts the goroutines that watch one instance.
func (h *Hub) startProbe(key Key, inst Instance) *probe {
	ctx, cancel := context.WithCancel(h.ctx)
	p := &probe{cancel: cancel}
	if inst.Admin == "" {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			tcpLoop(ctx, inst.Address, h.opts.HealthInterval, func(err error) { h.onHealth(key, p, err) })
		}()
		return p
	}
	io := h.opts.Introspect
	io.Pace = h.budget.pacer(key, h.budget.intro)
	c, err := introspect.NewForInstance(sd.Instance{ID: key.InstanceID, Meta: inst.Meta}, io)
	if err != nil {
		p.wg.Add(1)
		go func() { // report outside the caller's lock
			defer p.wg.Done()
			h.onIntro(key, p, introspect.Update{Kind: introspect.KindStatus, Mode: introspect.ModeDown, Err: err})
		}()
		return p
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		_ = c.Follow(ctx, 0, func(u introspect.Update) { h.onIntro(key, p, u) })
	}()
	h.budget.add(1)
	p.release = func() { h.budget.add(-1) }
	p.metrics = newMetricsSource()
	if h.scr != nil {
		startMetrics(ctx, &p.wg, p.metrics, c, h.scr, h.budget.scrape, h.budget.pacer(key, h.budget.scrape), func(st scrape.Stats, err error) {
			h.onMetrics(key, p, st, err)
		})
	}
	return p
}

// tcpLoop dials addr every interval, reporting each outcome.
func tcpLoop(ctx context.Context, addr string, every time.Duration, report func(error)) {
	d := net.Dialer{Timeout: every}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		c, err := d.DialContext(ctx, "tcp", addr)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			c.Close()
		}
		report(err)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// current returns the instance record if p is still its probe.
func (h *Hub) currentLocked(key Key, p *probe) *instance {
	in := h.insts[key]
	if in == nil || in.probe != p {
		return nil
	}
	return in
}

func (h *Hub) onHealth(key Key, p *probe, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	in := h.currentLocked(key, p)
	if in == nil {
		return
	}
	next := in.inst
	next.State, next.Err = StateUp, ""
	if err != nil {
		next.State, next.Err = StateDown, err.Error()
	}
	h.setInstLocked(in, next)
}

func (h *Hub) onMetrics(key Key, p *probe, st scrape.Stats, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	in := h.currentLocked(key, p)
	if in == nil {
		return
	}
	m := MetricsUpdate{Key: key, Time: time.Now(), Stats: st, Err: errString(err)}
	in.metrics = &m
	h.publishLocked(m)
}

func (h *Hub) onIntro(key Key, p *probe, u introspect.Update) {
	h.mu.Lock()
	defer h.mu.Unlock()
	in := h.currentLocked(key, p)
	if in == nil {
		return
	}
	now := time.Now()
	if len(in.controls) > 0 {
		h.expireControlsLocked(in, now)
	}
	switch u.Kind {
	case introspect.KindStatus:
		h.statusLocked(in, u)
	case introspect.KindInfo:
		if p.metrics != nil {
			p.metrics.learn(u.Info)
		}
		next := in.inst
		info := u.Info
		next.Info = &info
		h.setInstLocked(in, next)
		h.controlsFromInfoLocked(in, info.Controls, now)
	case introspect.KindBreakers:
		seen := make(map[string]bool, len(u.Breakers))
		for _, b := range u.Breakers {
			seen[b.Name] = true
			if old, ok := in.breakers[b.Name]; !ok || old != b {
				in.breakers[b.Name] = b
				h.publishLocked(BreakerUpdate{Key: key, Breaker: b})
			}
		}
		maps.DeleteFunc(in.breakers, func(name string, _ wire.Breaker) bool { return !seen[name] })
	case introspect.KindLimiters:
		seen := make(map[string]bool, len(u.Limiters))
		for _, l := range u.Limiters {
			seen[l.Name] = true
			if old, ok := in.limiters[l.Name]; !ok || old != l {
				in.limiters[l.Name] = l
				h.publishLocked(LimiterUpdate{Key: key, Limiter: l})
			}
		}
		maps.DeleteFunc(in.limiters, func(name string, _ wire.Limiter) bool { return !seen[name] })
	case introspect.KindEvent:
		if u.Event.Control != nil {
			h.controlEventLocked(in, *u.Event.Control, now)
			break
		}
		h.eventLocked(in, u.Event)
	case introspect.KindSpans:
		h.spansLocked(key, u.Spans, u.Dropped)
	case introspect.KindProblem:
		h.publishLocked(Problem{Key: key, Err: errString(u.Err)})
	}
}

func (h *Hub) statusLocked(in *instance, u introspect.Update) {
	next := in.inst
	switch u.Mode {
	case introspect.ModeStream:
		next.State, next.Intro, next.Err = StateUp, IntroStream, ""
	case introspect.ModePoll:
		next.State, next.Intro, next.Err = StateUp, IntroPoll, ""
		if u.Err != nil {
			h.publishLocked(Problem{Key: in.inst.Key, Err: u.Err.Error()})
		}
	default:
		next.State, next.Err = StateDown, errString(u.Err)
		switch {
		case errors.Is(u.Err, introspect.ErrProtocol):
			// It answers, in another language: reachable, not observable.
			next.State, next.Intro = StateUp, IntroProtocol
		case errors.Is(u.Err, introspect.ErrUnauthorized):
			next.State = StateUp
		}
		h.degradeLocked(in, &next)
	}
	h.setInstLocked(in, next)
}

func (h *Hub) eventLocked(in *instance, ev wire.Event) {
	key := in.inst.Key
	switch {
	case ev.Breaker != nil:
		t := *ev.Breaker
		b, ok := in.breakers[t.Name]
		if !ok {
			b = wire.Breaker{Name: t.Name}
		}
		b.State, b.LastTransition, b.Counts = t.To, t.Time, t.Counts
		in.breakers[t.Name] = b
		h.publishLocked(BreakerUpdate{Key: key, Breaker: b, Transition: &t})
	case ev.Limiter != nil:
		r := *ev.Limiter
		l, ok := in.limiters[r.Name]
		if !ok {
			l = wire.Limiter{Name: r.Name}
		}
		l.Rejected = max(l.Rejected, r.Total)
		in.limiters[r.Name] = l
		h.publishLocked(LimiterUpdate{Key: key, Limiter: l, Rejections: &r})
	case ev.Span != nil:
		h.spansLocked(key, []wire.Span{*ev.Span}, 0)
	}
}

func (h *Hub) spansLocked(key Key, spans []wire.Span, dropped uint64) {
	h.spans.add(key, spans)
	h.received += uint64(len(spans))
	h.lost += dropped
	h.publishLocked(SpanBatch{Key: key, Spans: spans, Dropped: dropped})
}

// adminPath joins the admin base URL and a path.
func adminPath(base, path string) string { return strings.TrimRight(base, "/") + path }
