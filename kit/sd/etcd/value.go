package etcd

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/kitbench/kitbench/kit/sd"
)

// DefaultPrefix is the key prefix instances are registered under when
// options name none.
const DefaultPrefix = "/kit/services/"

// ErrInvalidInstance is wrapped by the errors of NewRegistrar for an
// instance that cannot be registered.
var ErrInvalidInstance = errors.New("etcd: invalid instance")

// Key returns the key inst is registered at: prefix (DefaultPrefix when
// empty), the service name, a slash, and the instance ID.
func Key(prefix string, inst sd.Instance) string {
	return normPrefix(prefix) + inst.Service + "/" + inst.ID
}

func normPrefix(p string) string {
	if p == "" {
		return DefaultPrefix
	}
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

// encode checks inst and returns the value a Registrar writes.
func encode(inst sd.Instance) (string, error) {
	switch {
	case inst.ID == "" || inst.Service == "":
		return "", fmt.Errorf("%w: ID and Service are required (got ID %q, Service %q)", ErrInvalidInstance, inst.ID, inst.Service)
	case strings.Contains(inst.ID, "/") || strings.Contains(inst.Service, "/"):
		return "", fmt.Errorf("%w: ID %q and Service %q may not contain '/', which separates them in the key", ErrInvalidInstance, inst.ID, inst.Service)
	}
	if err := checkAddress(inst.Address); err != nil {
		return "", err
	}
	switch inst.Health {
	case "":
		inst.Health = sd.HealthPassing
	case sd.HealthPassing, sd.HealthWarning, sd.HealthCritical:
	default:
		return "", fmt.Errorf("%w: health %q is not passing, warning or critical", ErrInvalidInstance, inst.Health)
	}
	b, err := json.Marshal(inst)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidInstance, err)
	}
	return string(b), nil
}

func checkAddress(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%w: address %q: %w", ErrInvalidInstance, addr, err)
	}
	if p, err := strconv.Atoi(port); host == "" || err != nil || p < 1 || p > 65535 {
		return fmt.Errorf("%w: address %q: want host:port with a port from 1 to 65535", ErrInvalidInstance, addr)
	}
	return nil
}

// errIgnored is wrapped by decode's errors: the key is not an instance.
var errIgnored = errors.New("etcd: key ignored")

// parseKey splits a key under prefix into service and ID. With service
// set, the prefix already names the service.
func parseKey(prefix, service, key string) (svc, id string, err error) {
	rest, ok := strings.CutPrefix(key, prefix)
	if !ok {
		return "", "", fmt.Errorf("%w: %q is not under %q", errIgnored, key, prefix)
	}
	if service != "" {
		svc, id = service, rest
	} else if svc, id, ok = strings.Cut(rest, "/"); !ok {
		return "", "", fmt.Errorf("%w: %q has no service/id after the prefix", errIgnored, key)
	}
	if svc == "" || id == "" || strings.Contains(id, "/") {
		return "", "", fmt.Errorf("%w: %q has no service/id after the prefix", errIgnored, key)
	}
	return svc, id, nil
}

// decode reads the instance at key. The key names the instance: a value
// whose id or service disagrees with it is ignored, so a stray write cannot
// pass itself off as another instance.
func decode(svc, id string, value []byte) (sd.Instance, error) {
	var inst sd.Instance
	if err := json.Unmarshal(value, &inst); err != nil {
		return inst, fmt.Errorf("%w: %s/%s: %w", errIgnored, svc, id, err)
	}
	if inst.ID == "" {
		inst.ID = id
	}
	if inst.Service == "" {
		inst.Service = svc
	}
	switch {
	case inst.ID != id || inst.Service != svc:
		return inst, fmt.Errorf("%w: %s/%s: the value names %s/%s", errIgnored, svc, id, inst.Service, inst.ID)
	case inst.Address == "":
		return inst, fmt.Errorf("%w: %s/%s: no address", errIgnored, svc, id)
	}
	switch inst.Health {
	case "":
		inst.Health = sd.HealthPassing
	case sd.HealthPassing, sd.HealthWarning, sd.HealthCritical:
	default:
		inst.Health = sd.HealthCritical // a state we do not know is not healthy
	}
	return inst, nil
}

// sortInstances orders instances by service, then ID.
func sortInstances(s []sd.Instance) {
	slices.SortFunc(s, func(a, b sd.Instance) int {
		return cmp.Or(cmp.Compare(a.Service, b.Service), cmp.Compare(a.ID, b.ID))
	})
}
