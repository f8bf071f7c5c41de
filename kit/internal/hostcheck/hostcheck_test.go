package hostcheck

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAllowed(t *testing.T) {
	local := &net.TCPAddr{IP: net.IPv4(10, 0, 0, 7), Port: 9090}
	for _, c := range []struct {
		allowed []string
		host    string
		want    bool
	}{
		{nil, "localhost", true},
		{nil, "LOCALHOST:1234", true},
		{nil, "localhost.:9090", true},
		{nil, "127.0.0.1:9090", true},
		{nil, "127.9.9.9", true},
		{nil, "[::1]:9090", true},
		{nil, "", true},
		{nil, "10.0.0.7:9090", true}, // the address the connection arrived on
		{nil, "10.0.0.7:9091", false},
		{nil, "10.0.0.7", false}, // port 80 is not ours
		{nil, "10.0.0.8:9090", false},
		{nil, "attacker.example", false},
		{nil, "attacker.example:9090", false},
		{nil, "localhost.attacker.example", false},
		{nil, "127.0.0.1.nip.io:9090", false},
		{[]string{"books.internal"}, "Books.Internal:9090", true},
		{[]string{"books.internal:9090"}, "books.internal:9091", false},
		{[]string{"books.internal:9090"}, "books.internal:9090", true},
		{[]string{"books.internal:80"}, "books.internal", true},
		{[]string{"[fd00::1]"}, "[fd00::1]:9090", true},
		{[]string{" * "}, "attacker.example", true},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Host = c.host
		r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, net.Addr(local)))
		if got := New(c.allowed).Allowed(r); got != c.want {
			t.Errorf("New(%q).Allowed(Host %q) = %v, want %v", c.allowed, c.host, got, c.want)
		}
	}
}

func TestWithoutLocalAddress(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil) // Host example.com, no connection
	if (Policy{}).Allowed(r) {
		t.Error("example.com allowed without a connection")
	}
	r.Host = "10.0.0.7:9090"
	if (Policy{}).Allowed(r) {
		t.Error("an IP literal allowed with no local address to compare it with")
	}
}

func TestRefusalNamesTheWayOut(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Host = strings.Repeat("a", 300)
	msg := Refusal(r, "allow it with WithAllowedHosts")
	if len(msg) > 400 || !strings.Contains(msg, "DNS rebinding") || !strings.Contains(msg, "WithAllowedHosts") {
		t.Errorf("Refusal = %q", msg)
	}
}
