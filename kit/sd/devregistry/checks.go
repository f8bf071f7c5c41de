package devregistry

import (
	"fmt"
	"strconv"
	"time"

	"github.com/hashicorp/consul/api"
)

// checkSpec is a validated check definition from a service registration.
type checkSpec struct {
	hc         api.HealthCheck
	ttl        time.Duration
	deregAfter time.Duration
}

// parseCheck validates one check of a registration. The dev registry runs
// no probes of its own, so it accepts TTL checks only.
func parseCheck(d *api.AgentServiceCheck, serviceID, serviceName string, i, n int) (checkSpec, error) {
	if d.HTTP != "" || d.TCP != "" || d.GRPC != "" || d.UDP != "" || d.H2PING != "" ||
		len(d.Args) > 0 || d.DockerContainerID != "" || d.AliasService != "" || d.AliasNode != "" {
		return checkSpec{}, fmt.Errorf("%w: the dev registry runs TTL checks only; use a TTL check or a real Consul agent", ErrBadRequest)
	}
	if d.TTL == "" {
		return checkSpec{}, fmt.Errorf("%w: invalid check: TTL must be set", ErrBadRequest)
	}
	ttl, err := time.ParseDuration(d.TTL)
	if err != nil || ttl <= 0 {
		return checkSpec{}, fmt.Errorf("%w: invalid check TTL %q: want a positive duration such as \"10s\"", ErrBadRequest, d.TTL)
	}
	var deregAfter time.Duration
	if d.DeregisterCriticalServiceAfter != "" {
		deregAfter, err = time.ParseDuration(d.DeregisterCriticalServiceAfter)
		if err != nil || deregAfter < 0 {
			return checkSpec{}, fmt.Errorf("%w: invalid DeregisterCriticalServiceAfter %q", ErrBadRequest, d.DeregisterCriticalServiceAfter)
		}
	}
	status := d.Status
	switch status {
	case "":
		status = api.HealthCritical // Consul starts TTL checks critical
	case api.HealthPassing, api.HealthWarning, api.HealthCritical:
	default:
		return checkSpec{}, fmt.Errorf("%w: invalid check status %q", ErrBadRequest, d.Status)
	}
	id := d.CheckID
	if id == "" {
		id = "service:" + serviceID
		if n > 1 {
			id += ":" + strconv.Itoa(i+1)
		}
	}
	name := d.Name
	if name == "" {
		name = "Service '" + serviceName + "' check"
	}
	return checkSpec{
		hc: api.HealthCheck{
			Node:        nodeName,
			CheckID:     id,
			Name:        name,
			Status:      status,
			Notes:       d.Notes,
			ServiceID:   serviceID,
			ServiceName: serviceName,
			Type:        "ttl",
		},
		ttl:        ttl,
		deregAfter: deregAfter,
	}, nil
}

func (r *Registry) armTTLLocked(c *check, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.expires = now.Add(c.ttl)
	if c.ttlTimer == nil {
		c.ttlTimer = time.AfterFunc(c.ttl, func() { r.expire(c) })
		return
	}
	c.ttlTimer.Reset(c.ttl)
}

// expire runs when a TTL timer fires: no update arrived in time.
func (r *Registry) expire(c *check) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if r.closed || r.checks[c.hc.CheckID] != c || now.Before(c.expires) {
		return // removed, or refreshed after the timer fired
	}
	r.setStatusLocked(c, api.HealthCritical, "TTL expired", now)
}

func (r *Registry) armReapLocked(c *check, now time.Time) {
	if c.deregAfter <= 0 {
		return
	}
	c.criticalAt = now
	if c.reapTimer == nil {
		c.reapTimer = time.AfterFunc(c.deregAfter, func() { r.reap(c) })
		return
	}
	c.reapTimer.Reset(c.deregAfter)
}

// reap deregisters a service whose check stayed critical for deregAfter.
func (r *Registry) reap(c *check) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.checks[c.hc.CheckID] != c || c.hc.Status != api.HealthCritical ||
		time.Since(c.criticalAt) < c.deregAfter {
		return
	}
	r.index++
	r.removeLocked(c.svc, r.index)
}
