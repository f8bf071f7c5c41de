package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/kit/endpoint"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
)

// FuzzDecodeJSON sends arbitrary bodies through a Server's JSON decoding
// path: no input may panic, and none may be answered with a 5xx, since a
// bad body is always the client's error. Every error answer must be the
// JSON error shape.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		`{"title":"Dune","year":1965}`,
		`{"title":"Dune","shelf":{"row":3}}`,
		``, ` `, `null`, `{}`, `[]`, `"x"`, `1e400`,
		`{"title": nope}`, `{"title":"Dune"`, `{"year":"1965"}`, `{"year":1.5}`,
		`{"year":99999999999999999999}`, `{"isbn":"x"}`, `{"title":"a"} {}`, `{"title":"a"}}`,
		`{"title":"\ud800"}`, "{\"title\":\"\xff\"}", `{"shelf":[]}`,
		strings.Repeat("[", 20000), `{"title":"` + strings.Repeat("a", 600) + `"}`,
	} {
		f.Add([]byte(seed))
	}
	echo := func(_ context.Context, r createBook) (createBook, error) { return r, nil }
	h := kithttp.NewServer(endpoint.Typed(echo), kithttp.DecodeJSONRequest[createBook], kithttp.EncodeJSONResponse,
		kithttp.ServerMaxBodyBytes(512))
	f.Fuzz(func(t *testing.T, body []byte) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("POST", "/books", bytes.NewReader(body))
		h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("body %q answered %d: %s", body, w.Code, w.Body)
		}
		if w.Code >= 400 {
			var e errorReply
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Status != w.Code || e.Error == "" {
				t.Fatalf("body %q: error answer %q is not the JSON error shape", body, w.Body)
			}
		}
	})
}
