package http_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/internal/testutil"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
	"github.com/kitbench/kitbench/kit/transport/internal/panictest"
)

// panicEndpoint panics with the secret.
func panicEndpoint(context.Context, any) (any, error) { panic(panictest.Secret) }

func okEndpoint(context.Context, any) (any, error) { return map[string]string{"ok": "yes"}, nil }

func decodeNothing(context.Context, *http.Request) (any, error) { return nil, nil }

// panicRouter routes GET /boom to a Server whose endpoint panics, and
// GET /ok to one that answers.
func panicRouter(t *testing.T, ropts []kithttp.RouterOption, opts ...kithttp.ServerOption) *kithttp.Router {
	t.Helper()
	rt := kithttp.NewRouter(ropts...)
	for _, r := range []struct {
		name, path string
		h          http.Handler
	}{
		{"Boom", "/boom/{id}", kithttp.NewServer(panicEndpoint, decodeNothing, kithttp.EncodeJSONResponse, opts...)},
		{"OK", "/ok", kithttp.NewServer(okEndpoint, decodeNothing, kithttp.EncodeJSONResponse, opts...)},
	} {
		if err := rt.Handle(r.name, "GET", r.path, r.h); err != nil {
			t.Fatal(err)
		}
	}
	return rt
}

// checkPanicReply fails the test unless resp is a 500 that says nothing
// of the panic.
func checkPanicReply(t *testing.T, resp *http.Response, body string) {
	t.Helper()
	e := checkErrorReply(t, resp, body, http.StatusInternalServerError)
	if e.Error != http.StatusText(http.StatusInternalServerError) || strings.Contains(body, panictest.Secret) {
		t.Errorf("the client was told %s", body)
	}
}

func TestServerRecoversPanic(t *testing.T) {
	for _, logValues := range []bool{false, true} {
		t.Run(map[bool]string{false: "default", true: "values logged"}[logValues], func(t *testing.T) {
			testutil.NoLeaks(t)
			rec, err := panictest.New(logValues)
			if err != nil {
				t.Fatal(err)
			}
			var finalCode int
			url := serve(t, panicRouter(t, nil, kithttp.ServerPanicPolicy(rec.Policy),
				kithttp.ServerFinalizer(func(_ context.Context, code int, r *http.Request) {
					if r.URL.Path != "/ok" {
						finalCode = code
					}
				})))
			c := newClient(t)
			resp, body := do(t, c, "GET", url+"/boom/7", "")
			checkPanicReply(t, resp, body)
			if finalCode != http.StatusInternalServerError {
				t.Errorf("the finalizer saw %d, want 500", finalCode)
			}
			if resp, body := do(t, c, "GET", url+"/ok", ""); resp.StatusCode != http.StatusOK {
				t.Fatalf("the request after the panic got %d %s", resp.StatusCode, body)
			}
			if err := rec.Check(1, "http_test.panicEndpoint", "GET /boom/{id}", "http"); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestServerRecoversByDefault needs no option. net/http would otherwise
// recover by itself, log the panic value and drop the connection.
func TestServerRecoversByDefault(t *testing.T) {
	testutil.NoLeaks(t)
	url := serve(t, panicRouter(t, nil))
	c := newClient(t)
	for range 2 {
		resp, body := do(t, c, "GET", url+"/boom/7", "")
		checkPanicReply(t, resp, body)
		if resp, body := do(t, c, "GET", url+"/ok", ""); resp.StatusCode != http.StatusOK {
			t.Fatalf("the request after the panic got %d %s", resp.StatusCode, body)
		}
	}
}

// aborted fails the test unless the request gets no complete response.
func aborted(t *testing.T, c *http.Client, url string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	if b, err := io.ReadAll(resp.Body); err == nil {
		t.Errorf("GET %s: %d %s, want the response aborted", url, resp.StatusCode, b)
	}
}

func TestPanicsThatAbort(t *testing.T) {
	testutil.NoLeaks(t)
	rec, err := panictest.New(false)
	if err != nil {
		t.Fatal(err)
	}
	rt := panicRouter(t, []kithttp.RouterOption{kithttp.RouterPanicPolicy(rec.Policy)}, kithttp.ServerPanicPolicy(rec.Policy))
	abort := kithttp.NewServer(func(context.Context, any) (any, error) { panic(http.ErrAbortHandler) },
		decodeNothing, kithttp.EncodeJSONResponse, kithttp.ServerPanicPolicy(rec.Policy))
	halfWritten := kithttp.NewServer(okEndpoint, decodeNothing,
		func(_ context.Context, w http.ResponseWriter, _ any) error {
			w.Header().Set("Content-Length", "100")
			_, _ = io.WriteString(w, `{"partial":`)
			panic(panictest.Secret)
		}, kithttp.ServerPanicPolicy(rec.Policy))
	plain := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(panictest.Secret) })
	for name, h := range map[string]http.Handler{"Abort": abort, "Half": halfWritten, "Plain": plain} {
		if err := rt.Handle(name, "GET", "/"+strings.ToLower(name), h); err != nil {
			t.Fatal(err)
		}
	}
	url := serve(t, rt)
	c := newClient(t)

	// http.ErrAbortHandler keeps its meaning: no 500, no log, no count.
	aborted(t, c, url+"/abort")
	if err := rec.Check(0, "", "GET /abort", "http"); err != nil {
		t.Error(err)
	}
	// An encoder that wrote part of its body cannot be answered with a
	// 500; the response is cut off, and the panic recorded.
	aborted(t, c, url+"/half")
	if err := rec.Check(1, "http_test.TestPanicsThatAbort", "GET /half", "http"); err != nil {
		t.Error(err)
	}
	// A handler that is not a Server: the Router records the panic.
	aborted(t, c, url+"/plain")
	if n, err := rec.Count("GET /plain", "http"); err != nil || n != 1 {
		t.Errorf("plain handler's panics counted: %v (%v), want 1", n, err)
	}
	if strings.Contains(rec.Log(), panictest.Secret) {
		t.Errorf("the log holds the panic value:\n%s", rec.Log())
	}
	if resp, body := do(t, c, "GET", url+"/ok", ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("the request after the panics got %d %s", resp.StatusCode, body)
	}
}
