package sd

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
)

// ErrBadAddress is wrapped by the error StaticInstances returns for an
// address that is not host:port.
var ErrBadAddress = errors.New("sd: bad address")

// FixedInstancer is an Instancer over a set of instances that never changes,
// for static targets (--target host:port). The zero value has no instances.
type FixedInstancer []Instance

// Register sends the instances on ch. It blocks until ch takes the event, so
// ch should be buffered or already being read (an Endpointer's is both).
func (f FixedInstancer) Register(ch chan<- Event) {
	ch <- Event{Instances: slices.Clone(f)}
}

// Deregister does nothing: a FixedInstancer sends one event per Register.
func (f FixedInstancer) Deregister(chan<- Event) {}

// Stop does nothing: a FixedInstancer has no background work.
func (f FixedInstancer) Stop() {}

// StaticInstances turns "host:port" strings into passing instances of
// service, each with its address as ID. It rejects an address that is not
// host:port with a port from 1 to 65535, and duplicates.
func StaticInstances(service string, addrs ...string) ([]Instance, error) {
	out := make([]Instance, 0, len(addrs))
	seen := make(map[string]bool, len(addrs))
	for _, a := range addrs {
		host, port, err := net.SplitHostPort(a)
		if err != nil {
			return nil, fmt.Errorf("%w %q: %w", ErrBadAddress, a, err)
		}
		if host == "" {
			return nil, fmt.Errorf("%w %q: missing host", ErrBadAddress, a)
		}
		if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
			return nil, fmt.Errorf("%w %q: port must be a number from 1 to 65535", ErrBadAddress, a)
		}
		if seen[a] {
			return nil, fmt.Errorf("%w %q: listed twice", ErrBadAddress, a)
		}
		seen[a] = true
		out = append(out, Instance{ID: a, Service: service, Address: a, Health: HealthPassing})
	}
	return out, nil
}
