package introspect

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// getHost GETs path from the admin listener at addr with the given Host
// header, over a real loopback connection.
func getHost(t *testing.T, addr, host, path string) (int, ErrorBody) {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var eb ErrorBody
	if resp.StatusCode != http.StatusOK {
		if err := json.Unmarshal(body, &eb); err != nil {
			t.Fatalf("error body %q: %v", body, err)
		}
	}
	return resp.StatusCode, eb
}

func TestAdminRefusesForeignHost(t *testing.T) {
	h := NewHandler(fixedRegistry())
	defer h.Close()
	s, err := ListenAdmin("", h)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, port, _ := strings.Cut(s.Addr(), ":")
	for _, host := range []string{s.Addr(), "localhost:" + port, "localhost", "[::1]:" + port} {
		if code, eb := getHost(t, s.Addr(), host, PathPrefix+"/info"); code != http.StatusOK {
			t.Errorf("Host %q: %d %q, want 200", host, code, eb.Error)
		}
	}
	// DNS rebinding: a browser on attacker.example that resolved the name
	// to 127.0.0.1 sends the attacker's name as Host.
	for _, path := range []string{PathPrefix + "/info", PathPrefix + "/spans", MetricsPath, "/nope"} {
		code, eb := getHost(t, s.Addr(), "attacker.example:"+port, path)
		if code != http.StatusForbidden || !strings.Contains(eb.Error, "DNS rebinding") || !strings.Contains(eb.Error, "WithAllowedHosts") {
			t.Errorf("%s with Host attacker.example: %d %q, want 403 naming the guard and the option", path, code, eb.Error)
		}
	}
}

func TestAdminAllowedHosts(t *testing.T) {
	for _, c := range []struct {
		allowed []string
		host    string
		want    int
	}{
		{[]string{"books.internal"}, "books.internal:9090", http.StatusOK},
		{[]string{"books.internal"}, "attacker.example", http.StatusForbidden},
		{[]string{"*"}, "attacker.example", http.StatusOK},
		{nil, "books.internal", http.StatusForbidden},
	} {
		h := NewHandler(fixedRegistry(), WithAllowedHosts(c.allowed...))
		s, err := ListenAdmin("", h)
		if err != nil {
			t.Fatal(err)
		}
		if code, eb := getHost(t, s.Addr(), c.host, PathPrefix+"/info"); code != c.want {
			t.Errorf("WithAllowedHosts(%q), Host %q: %d %q, want %d", c.allowed, c.host, code, eb.Error, c.want)
		}
		s.Close()
		h.Close()
	}
}

// The Host check comes before authentication, so a rebinding page learns
// nothing, not even that a token is required.
func TestAdminHostBeforeToken(t *testing.T) {
	h := NewHandler(fixedRegistry(), WithBearerToken("s3cret"))
	defer h.Close()
	s, err := ListenAdmin("", h)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if code, _ := getHost(t, s.Addr(), "attacker.example", PathPrefix+"/info"); code != http.StatusForbidden {
		t.Errorf("foreign Host with a token-protected listener: %d, want 403", code)
	}
	if code, _ := getHost(t, s.Addr(), s.Addr(), PathPrefix+"/info"); code != http.StatusUnauthorized {
		t.Errorf("own Host without the token: %d, want 401", code)
	}
}
