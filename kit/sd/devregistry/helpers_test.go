package devregistry

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hashicorp/consul/api"
)

// do sends one request straight to h and returns the recorder.
func do(h http.Handler, method, target string, body any) *httptest.ResponseRecorder {
	var buf bytes.Buffer
	switch b := body.(type) {
	case nil:
	case string:
		buf.WriteString(b)
	default:
		if err := json.NewEncoder(&buf).Encode(b); err != nil {
			panic(err)
		}
	}
	req := httptest.NewRequest(method, target, &buf)
	req.Host = DefaultAddr // not example.com, which the Host check refuses
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func mustOK(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, body %q", rec.Code, rec.Body.String())
	}
}

func ttlReg(id, name, ttl, status string) *api.AgentServiceRegistration {
	return &api.AgentServiceRegistration{
		ID: id, Name: name, Address: "127.0.0.1", Port: 9000,
		Check: &api.AgentServiceCheck{TTL: ttl, Status: status},
	}
}

func decodeEntries(t *testing.T, rec *httptest.ResponseRecorder) []*api.ServiceEntry {
	t.Helper()
	mustOK(t, rec)
	var out []*api.ServiceEntry
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("decode: %v in %q", err, rec.Body.String())
	}
	return out
}

// newAPIClient returns a real consul/api client for addr whose idle
// connections are closed at the end of the test.
func newAPIClient(t testing.TB, addr string) *api.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c, err := api.NewClient(&api.Config{Address: addr, Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
