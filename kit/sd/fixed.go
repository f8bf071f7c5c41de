package sd

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
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

// StaticInstances turns addresses into passing instances of service, each
// with its address as ID. An address is host:port with a port from 1 to
// 65535; as in go-kit, "http://host:port" (with or without a trailing "/")
// means host:port, and ":port", with no host, means 127.0.0.1:port — the
// local machine, as net.Dial reads it, on loopback. It rejects any other
// scheme or a path, and an address listed twice (after those rewrites),
// with an error wrapping ErrBadAddress.
func StaticInstances(service string, addrs ...string) ([]Instance, error) {
	out := make([]Instance, 0, len(addrs))
	seen := make(map[string]bool, len(addrs))
	for _, raw := range addrs {
		a, err := staticAddr(raw)
		if err != nil {
			return nil, err
		}
		if seen[a] {
			return nil, fmt.Errorf("%w %q: listed twice", ErrBadAddress, raw)
		}
		seen[a] = true
		out = append(out, Instance{ID: a, Service: service, Address: a, Health: HealthPassing})
	}
	return out, nil
}

// staticAddr checks one StaticInstances address and returns its host:port.
func staticAddr(raw string) (string, error) {
	a := raw
	if scheme, rest, ok := strings.Cut(a, "://"); ok {
		if scheme != "http" {
			return "", fmt.Errorf("%w %q: scheme %q: give host:port or http://host:port", ErrBadAddress, raw, scheme)
		}
		a = strings.TrimSuffix(rest, "/")
		if strings.ContainsAny(a, "/?#") {
			return "", fmt.Errorf("%w %q: a path, query or fragment is not an address: give http://host:port", ErrBadAddress, raw)
		}
	}
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return "", fmt.Errorf("%w %q: %w", ErrBadAddress, raw, err)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return "", fmt.Errorf("%w %q: port must be a number from 1 to 65535", ErrBadAddress, raw)
	}
	if host == "" {
		if a != raw { // "http://:80" names no machine at all
			return "", fmt.Errorf("%w %q: missing host", ErrBadAddress, raw)
		}
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}
