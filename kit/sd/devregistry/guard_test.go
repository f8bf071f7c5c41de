package devregistry

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// raw sends one request to the registry at addr over loopback without
// following redirects, and returns the status and body.
func raw(t *testing.T, addr, method, path, body string, hdr map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func regBody(t *testing.T, id, name string) string {
	t.Helper()
	b, err := json.Marshal(ttlReg(id, name, "1h", "passing"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func registered(reg *Registry, id string) bool {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	return reg.services[id] != nil
}

func TestForeignHostForbidden(t *testing.T) {
	reg := New(Options{})
	addr := startHTTP(t, reg)
	_, port, _ := strings.Cut(addr, ":")
	for _, host := range []string{addr, "localhost:" + port, "localhost"} {
		if code, body := raw(t, addr, "GET", "/v1/catalog/services", "", map[string]string{"Host": host}); code != 200 {
			t.Errorf("GET with Host %q: %d %q", host, code, body)
		}
	}
	code, body := raw(t, addr, "GET", "/v1/catalog/services", "", map[string]string{"Host": "attacker.example:" + port})
	if code != http.StatusForbidden || !strings.Contains(body, "DNS rebinding") || !strings.Contains(body, "AllowedHosts") {
		t.Errorf("GET with a foreign Host: %d %q, want 403 naming the guard and the option", code, body)
	}
	code, body = raw(t, addr, "PUT", "/v1/agent/service/register", regBody(t, "evil-1", "evil"), map[string]string{"Host": "attacker.example:" + port})
	if code != http.StatusForbidden || registered(reg, "evil-1") {
		t.Errorf("PUT with a foreign Host: %d %q, registered %v", code, body, registered(reg, "evil-1"))
	}

	allowed := New(Options{AllowedHosts: []string{"registry.internal"}})
	addr = startHTTP(t, allowed)
	if code, body := raw(t, addr, "GET", "/v1/catalog/services", "", map[string]string{"Host": "registry.internal:8500"}); code != 200 {
		t.Errorf("allowed Host: %d %q", code, body)
	}
}

func TestCrossOriginWriteRefused(t *testing.T) {
	reg := New(Options{})
	addr := startHTTP(t, reg)
	for _, c := range []struct {
		id   string
		hdr  map[string]string
		want int
	}{
		{"cross", map[string]string{"Origin": "http://attacker.example"}, http.StatusForbidden},
		{"cross-fetch", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://attacker.example"}, http.StatusForbidden},
		{"same-site", map[string]string{"Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		{"same-origin", map[string]string{"Origin": "http://" + addr}, http.StatusOK},
		{"same-origin-fetch", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://" + addr}, http.StatusOK},
		{"no-origin", nil, http.StatusOK}, // curl, consul/api, kit's Registrar
	} {
		code, body := raw(t, addr, "PUT", "/v1/agent/service/register", regBody(t, c.id, "svc"), c.hdr)
		if code != c.want || registered(reg, c.id) != (c.want == http.StatusOK) {
			t.Errorf("%s: PUT %d %q, registered %v; want %d", c.id, code, body, registered(reg, c.id), c.want)
		}
		if c.want == http.StatusForbidden && !strings.Contains(body, "origin") {
			t.Errorf("%s: refusal %q does not say why", c.id, body)
		}
	}
	// Reads are not writes: a cross-origin GET is answered (a browser
	// without CORS headers cannot read the answer anyway).
	if code, _ := raw(t, addr, "GET", "/v1/catalog/services", "", map[string]string{"Origin": "http://attacker.example"}); code != 200 {
		t.Errorf("cross-origin GET: %d", code)
	}
}

func TestPathTricksRefused(t *testing.T) {
	reg := New(Options{})
	addr := startHTTP(t, reg)
	if code, body := raw(t, addr, "PUT", "/v1/agent/service/register", regBody(t, "b", "svc"), nil); code != 200 {
		t.Fatalf("register b: %d %q", code, body)
	}
	for _, p := range []string{
		"/v1/agent/service/deregister/a/../b",
		"/v1/agent/service/deregister/a/%2E%2E/b",
		"/v1/agent/service/deregister/a%2F..%2Fb",
		"/v1/agent/service/deregister//b",
		"/v1/agent/service/deregister/./b",
		"/v1/agent/service/deregister/b/",
		"/v1/agent/check/pass/service:a/../service:b",
		"/v1/agent/check/fail/x/../service:b",
		"/v1/agent/check/update/x/../service:b",
	} {
		code, body := raw(t, addr, "PUT", p, `{"Status":"critical"}`, nil)
		if code != http.StatusBadRequest || !strings.Contains(body, `".."`) {
			t.Errorf("PUT %s: %d %q, want 400 explaining the refusal", p, code, body)
		}
	}
	if !registered(reg, "b") {
		t.Fatal("a path trick deregistered b")
	}
	if st := reg.checks["service:b"].hc.Status; st != "passing" {
		t.Fatalf("a path trick changed b's check to %q", st)
	}
	for _, id := range []string{"a/../b", "a//b", "./b", "b/", "/b"} {
		if code, body := raw(t, addr, "PUT", "/v1/agent/service/register", regBody(t, id, "svc"), nil); code != http.StatusBadRequest {
			t.Errorf("register ID %q: %d %q, want 400", id, code, body)
		}
	}
	// A slash inside an ID is fine, as in Consul.
	if code, body := raw(t, addr, "PUT", "/v1/agent/service/register", regBody(t, "team/b-1", "svc"), nil); code != 200 {
		t.Errorf("register team/b-1: %d %q", code, body)
	}
	if code, body := raw(t, addr, "PUT", "/v1/agent/service/deregister/team/b-1", "", nil); code != 200 {
		t.Errorf("deregister team/b-1: %d %q", code, body)
	}
}

func TestStrictBodies(t *testing.T) {
	reg := New(Options{})
	addr := startHTTP(t, reg)
	good := regBody(t, "ok-1", "svc")
	for name, c := range map[string]struct {
		body string
		want int
	}{
		"trailing garbage":      {good + "x", http.StatusBadRequest},
		"a second value":        {good + ` {"Name":"other"}`, http.StatusBadRequest},
		"a closing bracket":     {good + "]", http.StatusBadRequest},
		"NUL in the name":       {`{"ID":"n-1","Name":"a\u0000b"}`, http.StatusBadRequest},
		"NUL in the ID":         {`{"ID":"n-\u0000","Name":"svc"}`, http.StatusBadRequest},
		"ESC in the name":       {`{"ID":"n-7","Name":"a\u001b[2J"}`, http.StatusOK},  // as Consul; shown safely by the workbench
		"ESC in the ID":         {`{"ID":"n-\u001b[2J","Name":"svc"}`, http.StatusOK}, // as Consul; shown safely by the workbench
		"C1 in the name":        {`{"ID":"n-2","Name":"a\u009bb"}`, http.StatusOK},
		"newline in the name":   {`{"ID":"n-3","Name":"a\nb"}`, http.StatusOK},
		"NUL in a tag":          {`{"ID":"n-8","Name":"svc","Tags":["a\u0000b"]}`, http.StatusBadRequest},
		"NUL in a check ID":     {`{"ID":"n-4","Name":"svc","Check":{"CheckID":"c\u0000","TTL":"1s"}}`, http.StatusBadRequest},
		"too long a name":       {`{"ID":"n-5","Name":"` + strings.Repeat("a", maxNameLen+1) + `"}`, http.StatusBadRequest},
		"white space after":     {good + " \r\n\t ", http.StatusOK},
		"a name with non-ASCII": {`{"ID":"n-6","Name":"bücher"}`, http.StatusOK},
	} {
		if code, body := raw(t, addr, "PUT", "/v1/agent/service/register", c.body, nil); code != c.want {
			t.Errorf("%s: %d %q, want %d", name, code, body, c.want)
		}
	}
	if registered(reg, "n-1") || registered(reg, "n-4") {
		t.Error("a refused registration was stored")
	}
	code, body := raw(t, addr, "PUT", "/v1/agent/check/update/service:ok-1", `{"Status":"warning"}garbage`, nil)
	if code != http.StatusBadRequest || !strings.Contains(body, "after the JSON value") {
		t.Errorf("check update with trailing garbage: %d %q", code, body)
	}
	if code, _ := raw(t, addr, "GET", "/v1/health/service/a%00b", "", nil); code != http.StatusBadRequest {
		t.Errorf("health query for a name with NUL: %d, want 400", code)
	}
}
