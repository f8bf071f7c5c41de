package http_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/kit/transport"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
)

func TestJSONDecoderBadPathField(t *testing.T) {
	type unexported struct {
		id string `path:"id"`
	}
	type sliceField struct {
		IDs []string `path:"ids"`
	}
	for name, dec := range map[string]kithttp.DecodeRequestFunc{
		"unexported": kithttp.JSONDecoder[unexported](),
		"slice":      kithttp.JSONDecoder[sliceField](),
	} {
		_, err := dec(context.Background(), httptest.NewRequest("GET", "/x", nil))
		if !errors.Is(err, kithttp.ErrBadRoute) || transport.StatusOf(err) != 500 {
			t.Errorf("%s: %v (status %d), want ErrBadRoute as a 500", name, err, transport.StatusOf(err))
		}
	}
	_ = unexported{}.id
}

func TestJSONDecoderPathKinds(t *testing.T) {
	type all struct {
		S string  `path:"s"`
		I int8    `path:"i"`
		U uint16  `path:"u"`
		F float64 `path:"f"`
		B bool    `path:"b"`
		N int     `path:"-"`
	}
	mux := http.NewServeMux()
	var got any
	var gotErr error
	mux.HandleFunc("GET /{s}/{i}/{u}/{f}/{b}", func(w http.ResponseWriter, r *http.Request) {
		got, gotErr = kithttp.JSONDecoder[all]()(r.Context(), r)
	})
	mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/abc/-8/65535/2.5/true", nil))
	if gotErr != nil || *got.(*all) != (all{S: "abc", I: -8, U: 65535, F: 2.5, B: true}) {
		t.Errorf("decoded %+v, %v", got, gotErr)
	}
	for _, path := range []string{"/a/128/1/1/true", "/a/1/-1/1/true", "/a/1/1/x/true", "/a/1/1/1/maybe"} {
		mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
		if !errors.Is(gotErr, kithttp.ErrBadRequest) || transport.StatusOf(gotErr) != 400 {
			t.Errorf("%s: %v, want a 400 ErrBadRequest", path, gotErr)
		}
	}
}

func TestDecodeJSONRequestErrorsWrap(t *testing.T) {
	r := httptest.NewRequest("POST", "/", strings.NewReader(`{"title":1}`))
	_, err := kithttp.DecodeJSONRequest[createBook](context.Background(), r)
	if !errors.Is(err, kithttp.ErrBadRequest) || transport.StatusOf(err) != 400 {
		t.Errorf("%v: want a 400 wrapping ErrBadRequest", err)
	}
	r = httptest.NewRequest("POST", "/", nil)
	r.Body = nil
	if _, err := kithttp.DecodeJSONRequest[createBook](context.Background(), r); transport.StatusOf(err) != 400 {
		t.Errorf("nil body: %v", err)
	}
	r = httptest.NewRequest("POST", "/", io.MultiReader(strings.NewReader(`{"ti`), errReader{}))
	_, err = kithttp.DecodeJSONRequest[createBook](context.Background(), r)
	if transport.StatusOf(err) != 400 || strings.Contains(err.Error(), "10.0.0.7") {
		t.Errorf("read error: %v, want a 400 that does not repeat the cause", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) {
	return 0, errors.New("read tcp 10.0.0.7:80: connection reset")
}

// Outside a Server the JSON helpers still work, just without the Server's
// buffer reuse.
func TestJSONHelpersStandalone(t *testing.T) {
	w := httptest.NewRecorder()
	if err := kithttp.EncodeJSONResponse(context.Background(), w, book{ID: "b1"}); err != nil {
		t.Fatal(err)
	}
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" || w.Body.String() != "{\"id\":\"b1\",\"title\":\"\"}\n" {
		t.Errorf("standalone encode: %d %v %q", w.Code, w.Header(), w.Body)
	}
	r := httptest.NewRequest("POST", "/", nil)
	if err := kithttp.EncodeJSONRequest(context.Background(), r, book{ID: "b2"}); err != nil {
		t.Fatal(err)
	}
	if r.ContentLength != int64(len(`{"id":"b2","title":""}`)) || r.Header.Get("Content-Type") != "application/json" || r.GetBody == nil {
		t.Errorf("encoded request: length %d, headers %v", r.ContentLength, r.Header)
	}
	if err := kithttp.EncodeJSONRequest(context.Background(), r, func() {}); err == nil {
		t.Error("encoding a func succeeded")
	}
	resp := &http.Response{Status: "204 No Content", Body: io.NopCloser(strings.NewReader(""))}
	v, err := kithttp.DecodeJSONResponse[book](context.Background(), resp)
	if err != nil || *v.(*book) != (book{}) {
		t.Errorf("empty response: %v, %v", v, err)
	}
	resp.Body = io.NopCloser(strings.NewReader(`{"id":"b3","extra":true}`))
	if v, err := kithttp.DecodeJSONResponse[book](context.Background(), resp); err != nil || v.(*book).ID != "b3" {
		t.Errorf("unknown fields in a response should be ignored: %v, %v", v, err)
	}
	resp.Body = io.NopCloser(strings.NewReader(`{"id":`))
	if _, err := kithttp.DecodeJSONResponse[book](context.Background(), resp); err == nil {
		t.Error("truncated response decoded without error")
	}
}
