package consul

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/consul/api"
)

// ErrUnknownCheck reports that the agent does not know a check: it was
// restarted, or the service was deregistered behind our back. The Registrar
// answers it by registering again.
var ErrUnknownCheck = errors.New("consul: agent does not know the check")

// Client is the part of Consul that this package uses. It is deliberately
// narrow so tests can drive every failure (errors, an index going
// backwards, churn, an outage) with a fake. Implementations must honour ctx.
type Client interface {
	// Service runs a health query for service: instances with every tag in
	// tags, only passing ones if passingOnly. With index > 0 it is a
	// blocking query that waits up to wait for the index to move. It
	// returns the entries and the X-Consul-Index of the answer.
	Service(ctx context.Context, service string, tags []string, passingOnly bool, index uint64, wait time.Duration) ([]*api.ServiceEntry, uint64, error)
	// Register registers (or re-registers) a service with the local agent.
	Register(ctx context.Context, r *api.AgentServiceRegistration) error
	// Deregister removes a service from the local agent.
	Deregister(ctx context.Context, serviceID string) error
	// UpdateTTL sets a TTL check's status ("passing", "warning" or
	// "critical") and output. An error wrapping ErrUnknownCheck means the
	// agent no longer knows the check.
	UpdateTTL(ctx context.Context, checkID, output, status string) error
}

// NewClient returns a Client for the Consul agent (or dev registry) at
// addr. It starts from api.DefaultConfig, so CONSUL_HTTP_ADDR,
// CONSUL_HTTP_TOKEN, CONSUL_HTTP_SSL and the other standard variables apply
// as in Consul's own tools; a non-empty addr ("host:port" or a URL)
// overrides only the address.
func NewClient(addr string) (Client, error) {
	cfg := api.DefaultConfig()
	if addr != "" {
		cfg.Address = addr
	}
	c, err := api.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("consul: client for %q: %w", cfg.Address, err)
	}
	return Wrap(c), nil
}

// Wrap adapts a configured *api.Client to Client.
func Wrap(c *api.Client) Client { return apiClient{c} }

type apiClient struct{ c *api.Client }

func (a apiClient) Service(ctx context.Context, service string, tags []string, passingOnly bool, index uint64, wait time.Duration) ([]*api.ServiceEntry, uint64, error) {
	q := (&api.QueryOptions{WaitIndex: index, WaitTime: wait}).WithContext(ctx)
	entries, meta, err := a.c.Health().ServiceMultipleTags(service, tags, passingOnly, q)
	if err != nil {
		return nil, 0, err
	}
	return entries, meta.LastIndex, nil
}

func (a apiClient) Register(ctx context.Context, r *api.AgentServiceRegistration) error {
	return a.c.Agent().ServiceRegisterOpts(r, api.ServiceRegisterOpts{}.WithContext(ctx))
}

func (a apiClient) Deregister(ctx context.Context, serviceID string) error {
	return a.c.Agent().ServiceDeregisterOpts(serviceID, (&api.QueryOptions{}).WithContext(ctx))
}

func (a apiClient) UpdateTTL(ctx context.Context, checkID, output, status string) error {
	err := a.c.Agent().UpdateTTLOpts(checkID, output, status, (&api.QueryOptions{}).WithContext(ctx))
	var se api.StatusError
	if errors.As(err, &se) {
		// Consul answers 404 for an unknown check; older agents answer 500
		// with one of these texts.
		body := strings.ToLower(se.Body)
		if se.Code == http.StatusNotFound || strings.Contains(body, "does not have associated ttl") ||
			strings.Contains(body, "unknown check") {
			return fmt.Errorf("%w: %s: %w", ErrUnknownCheck, checkID, err)
		}
	}
	return err
}
