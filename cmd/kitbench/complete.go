package main

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kitbench/kitbench/internal/sanitize"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/discovery"
)

// completionTimeout bounds the registry and instance look-ups a shell
// completion makes; a completion that hangs is worse than none.
const completionTimeout = 2 * time.Second

// completeServiceMethod completes SERVICE.METHOD from the current source:
// service names from the registry (--consul, CONSUL_HTTP_ADDR or the
// default) and, after the dot, the endpoint names an instance of the
// service publishes on its admin listener. With methods false it completes
// service names only (describe SERVICE).
func completeServiceMethod(methods bool) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), completionTimeout)
		defer cancel()
		consul, _ := cmd.Flags().GetString("consul")
		etcd, _ := cmd.Flags().GetString("etcd")
		snap, err := discovery.List(ctx, discovery.Options{Consul: consul, Etcd: etcd})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveError
		}
		service, method, dotted := strings.Cut(toComplete, ".")
		if !dotted || !methods {
			var out []string
			for _, s := range snap.Services {
				if strings.HasPrefix(s.Name, service) && plainName(s.Name) {
					if methods {
						out = append(out, s.Name+".")
					} else {
						out = append(out, s.Name)
					}
				}
			}
			directive := cobra.ShellCompDirectiveNoFileComp
			if methods {
				directive |= cobra.ShellCompDirectiveNoSpace
			}
			return out, directive
		}
		return completeMethods(ctx, snap, service, method), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeMethods lists service.Method for the endpoints the first instance
// with an admin listener publishes.
func completeMethods(ctx context.Context, snap discovery.Snapshot, service, prefix string) []string {
	svc, ok := snap.Service(service)
	if !ok {
		return nil
	}
	seen := map[string]bool{}
	for _, inst := range svc.Instances {
		admin := inst.Meta[sd.MetaAdmin]
		if admin == "" {
			continue
		}
		info, err := adminInfo(ctx, admin)
		if err != nil {
			continue
		}
		for _, e := range info.Endpoints {
			if strings.HasPrefix(e.Name, prefix) && plainName(e.Name) {
				seen[service+"."+e.Name] = true
			}
		}
		break
	}
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// plainName reports whether a name from the registry or an instance can be
// offered to the shell as it is: one the sanitizer would change (escape
// sequences, controls, bidi or zero-width characters, line breaks) is not
// offered, since shown cleaned it would not name the service.
func plainName(s string) bool { return s != "" && sanitize.Line(s, 0) == s }
