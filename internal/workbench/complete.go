package workbench

import (
	"context"
	"slices"
	"strings"

	"github.com/kitbench/kitbench/internal/sanitize"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/discovery"
)

// Complete lists what a shell may complete toComplete to from the
// registry src names. With methods false: the service names it starts.
// With methods true, before a dot: those names each with a dot after
// them ("bookstore."); after one: "service.Method" for the endpoints of
// that service starting with the rest, as the first of its instances
// with an admin listener that answers publishes them. ctx bounds every
// look-up.
func Complete(ctx context.Context, src discovery.Options, toComplete string, methods bool) ([]string, error) {
	snap, err := discovery.List(ctx, src)
	if err != nil {
		return nil, err
	}
	service, prefix, dotted := strings.Cut(toComplete, ".")
	if !dotted || !methods {
		var out []string
		for _, s := range snap.Services {
			if !strings.HasPrefix(s.Name, service) || !plainName(s.Name) {
				continue
			}
			if methods {
				out = append(out, s.Name+".")
			} else {
				out = append(out, s.Name)
			}
		}
		return out, nil
	}
	svc, ok := snap.Service(service)
	if !ok {
		return nil, nil
	}
	var out []string
	for _, inst := range svc.Instances {
		if inst.Meta[sd.MetaAdmin] == "" {
			continue
		}
		info, err := instanceInfo(ctx, inst)
		if err != nil {
			continue
		}
		for _, e := range info.Endpoints {
			if strings.HasPrefix(e.Name, prefix) && plainName(e.Name) {
				out = append(out, service+"."+e.Name)
			}
		}
		break
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// plainName reports whether a name from the registry or an instance can be
// offered to the shell as it is: one the sanitizer would change (escape
// sequences, controls, bidi or zero-width characters, line breaks) is not
// offered, since shown cleaned it would not name the service.
func plainName(s string) bool { return s != "" && sanitize.Line(s, 0) == s }
