// Package hostcheck decides whether a request's Host header names the
// listener it arrived on, the guard against DNS rebinding that kit's admin
// listener and the dev registry share.
//
// A page on attacker.example can make a browser resolve attacker.example
// to 127.0.0.1 and then read or write a loopback service as if it were the
// page's own origin; the only trace is the Host header, which still says
// attacker.example. So a loopback service answers only requests whose Host
// is a name the attacker cannot control: localhost, a loopback IP
// literal, the IP and port the connection actually arrived on, or a name
// the operator allowed.
//
// # Failure behaviour
//
// A request the policy refuses gets no answer from this package; the
// caller answers 403 with Refusal's message. A request handed to the
// handler directly (not by net/http's server, so without
// http.LocalAddrContextKey) is judged against the loopback names and the
// allowed names only.
package hostcheck

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// Any, as an allowed host, admits every Host header.
const Any = "*"

// Policy is a set of allowed Host headers on top of the loopback names and
// the listener's own address. The zero value admits those only.
type Policy struct {
	any   bool
	names map[string]bool // lower-case host or host:port
}

// New returns the policy that admits, besides loopback names and the
// listener's own address, each of allowed: a host name or IP ("books.internal",
// matching any port), a host:port (matching that port only), or Any.
func New(allowed []string) Policy {
	var p Policy
	for _, a := range allowed {
		a = strings.TrimSpace(a)
		if a == Any {
			p.any = true
			continue
		}
		host, port := split(a)
		if host == "" {
			continue
		}
		if port != "" {
			host = net.JoinHostPort(host, port)
		}
		if p.names == nil {
			p.names = make(map[string]bool)
		}
		p.names[host] = true
	}
	return p
}

// Allowed reports whether r's Host header is one the policy admits.
func (p Policy) Allowed(r *http.Request) bool {
	if p.any || r.Host == "" {
		// No Host at all is an HTTP/1.0 client, never a browser.
		return true
	}
	host, port := split(r.Host)
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	if ip != nil && ip.IsLoopback() {
		return true
	}
	if port == "" {
		port = defaultPort(r)
	}
	if p.names[host] || p.names[net.JoinHostPort(host, port)] {
		return true
	}
	local, ok := r.Context().Value(http.LocalAddrContextKey).(*net.TCPAddr)
	return ok && ip != nil && ip.Equal(local.IP) && port == strconv.Itoa(local.Port)
}

// Refusal is the message of the 403 for a refused r; how tells the reader
// how to allow other names (the option of the caller's API).
func Refusal(r *http.Request, how string) string {
	host := r.Host
	if len(host) > 100 {
		host = host[:100] + "…"
	}
	own := ""
	if local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		own = ", or " + local.String()
	}
	return fmt.Sprintf("Host %q is not allowed here (a guard against DNS rebinding): "+
		"address this listener as localhost, a loopback IP%s, or %s", host, own, how)
}

// split returns the lower-case host of a Host header, without brackets or
// a trailing dot, and its port ("" when none).
func split(hostport string) (host, port string) {
	hostport = strings.ToLower(hostport)
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		host, port = h, p
	} else {
		host = strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]")
	}
	return strings.TrimSuffix(host, "."), port
}

func defaultPort(r *http.Request) string {
	if r.TLS != nil {
		return "443"
	}
	return "80"
}
