package introspect

import (
	"net/http"

	"github.com/kitbench/kitbench/kit/internal/hostcheck"
)

// MetaTokenRef is the registry metadata key under which a service may say
// where the workbench finds the bearer token of its admin listener, next
// to sd.MetaAdmin. Its value is a reference, never the token itself:
// "env:NAME" names an environment variable of the workbench's, and NAME
// must start with "KITBENCH_ADMIN_TOKEN_" (so a registry entry cannot make
// the workbench send an unrelated secret). See docs/introspection.md.
const MetaTokenRef = "kit_admin_token_ref"

// WithAllowedHosts admits requests whose Host header is one of hosts, on
// top of those always admitted: localhost, loopback IP literals, and the
// IP and port the request's connection arrived on. An entry is a host name
// or IP (any port), a host:port (that port only), or "*" (any Host: only
// behind a proxy that checks Host itself). No entries (the default) admit
// only the names above.
//
// Every other request gets 403: a browser page on another site that made
// its name resolve to the listener's address (DNS rebinding) still sends
// its own name as Host, and is refused before authentication.
func WithAllowedHosts(hosts ...string) HandlerOption {
	return func(h *Handler) { h.hosts = hostcheck.New(hosts) }
}

// hostAllowed answers 403 and returns false when r's Host is not admitted.
func (h *Handler) hostAllowed(w http.ResponseWriter, r *http.Request) bool {
	if h.hosts.Allowed(r) {
		return true
	}
	writeError(w, http.StatusForbidden, hostcheck.Refusal(r, "allow the name with introspect.WithAllowedHosts"), "")
	return false
}
