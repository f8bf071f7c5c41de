package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/kit/endpoint"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
)

type upperReq struct {
	S string `json:"s"`
}

type upperResp struct {
	V   string `json:"v"`
	Err string `json:"err,omitempty"`
}

type countReq struct {
	S string `json:"s"`
}

func upper(_ context.Context, r upperReq) (upperResp, error) {
	return upperResp{V: strings.ToUpper(r.S)}, nil
}

// passThrough is a middleware that hides the endpoint's types, as every
// real chain (logging, metrics, …) does.
func passThrough(next endpoint.Endpoint) endpoint.Endpoint {
	return func(ctx context.Context, r any) (any, error) { return next(ctx, r) }
}

// TestRouterPublishesTypes: the request's fields and a template come from
// the generic decoder, through any middleware; the response's from a bare
// endpoint.Typed. No hand-written example is involved.
func TestRouterPublishesTypes(t *testing.T) {
	rt := kithttp.NewRouter()
	bare := kithttp.NewServer(endpoint.Typed(upper), kithttp.DecodeJSONRequest[upperReq], kithttp.EncodeJSONResponse)
	wrapped := kithttp.NewServer(passThrough(endpoint.Typed(upper)), kithttp.JSONDecoder[upperReq](), kithttp.EncodeJSONResponse)
	decoded := false
	custom := kithttp.NewServer(passThrough(endpoint.Typed(upper)), func(context.Context, *http.Request) (any, error) {
		decoded = true
		return upperReq{}, nil
	}, kithttp.EncodeJSONResponse)
	for name, h := range map[string]*kithttp.Server{"Bare": bare, "Wrapped": wrapped, "Custom": custom} {
		if err := rt.Handle(name, "POST", "/"+strings.ToLower(name), h); err != nil {
			t.Fatal(err)
		}
	}
	if decoded {
		t.Fatal("a hand-written decoder was called to learn its type")
	}
	docs := map[string]string{}
	for _, d := range rt.Endpoints() {
		b, _ := json.Marshal(d)
		docs[d.Name] = string(b)
	}
	for name, want := range map[string]string{
		"Bare": `{"name":"Bare","transport":"http","http_method":"POST","http_path":"/bare","request_example":{"s":""},` +
			`"request":{"type":"http_test.upperReq","fields":[{"name":"s","type":"string"}]},` +
			`"response":{"type":"http_test.upperResp","fields":[{"name":"v","type":"string"},{"name":"err","type":"string"}]}}`,
		"Wrapped": `{"name":"Wrapped","transport":"http","http_method":"POST","http_path":"/wrapped","request_example":{"s":""},` +
			`"request":{"type":"http_test.upperReq","fields":[{"name":"s","type":"string"}]}}`,
		"Custom": `{"name":"Custom","transport":"http","http_method":"POST","http_path":"/custom"}`,
	} {
		if docs[name] != want {
			t.Errorf("%s:\n got %s\nwant %s", name, docs[name], want)
		}
	}
	if bare.RequestType() != reflect.TypeFor[*upperReq]() || bare.ResponseType() != reflect.TypeFor[upperResp]() {
		t.Errorf("types = %v, %v", bare.RequestType(), bare.ResponseType())
	}
}

// TestTypeMismatchAtConstruction: a decoder of one type wired to a typed
// endpoint of another is refused by the Router, and a Server used on its
// own answers 500 and tells its error handler both types.
func TestTypeMismatchAtConstruction(t *testing.T) {
	wrong := kithttp.NewServer(endpoint.Typed(upper), kithttp.DecodeJSONRequest[countReq], kithttp.EncodeJSONResponse,
		kithttp.ServerErrorHandler(func(_ context.Context, err error) { handled <- err }))
	err := kithttp.NewRouter().Handle("Uppercase", "POST", "/uppercase", wrong)
	if !errors.Is(err, kithttp.ErrBadRoute) || !errors.Is(err, kithttp.ErrTypeMismatch) ||
		!strings.Contains(err.Error(), "*http_test.countReq") || !strings.Contains(err.Error(), "http_test.upperReq") {
		t.Fatalf("Handle: %v", err)
	}
	url := serve(t, wrong)
	resp, body := do(t, newClient(t), "POST", url, `{"s":"a"}`)
	checkErrorReply(t, resp, body, http.StatusInternalServerError)
	if err := <-handled; !errors.Is(err, kithttp.ErrTypeMismatch) {
		t.Fatalf("error handler saw %v", err)
	}
}

var handled = make(chan error, 1)

// TestWiringBugLoggedWithoutHandler: behind a middleware the mismatch
// shows at the first request; with no error handler it is logged, naming
// both types, instead of vanishing behind a bare 500.
func TestWiringBugLoggedWithoutHandler(t *testing.T) {
	var logged bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logged, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })
	srv := kithttp.NewServer(passThrough(endpoint.Typed(upper)), kithttp.DecodeJSONRequest[countReq], kithttp.EncodeJSONResponse)
	url := serve(t, srv)
	resp, body := do(t, newClient(t), "POST", url, `{"s":"a"}`)
	checkErrorReply(t, resp, body, http.StatusInternalServerError)
	out := logged.String()
	if !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "got *http_test.countReq, want http_test.upperReq") {
		t.Fatalf("log: %q", out)
	}
}
