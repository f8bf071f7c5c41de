package recorder_test

import (
	"io"
	"testing"

	"github.com/kitbench/kitbench/recorder"
)

// BenchmarkAppendRedact writes one exchange per op to io.Discard through a
// Writer with the default redaction: the cost redaction adds to every
// recorded call. "book" is a typical call with nothing to redact (JSON
// bodies, ordinary headers); "secrets" carries a bearer token, a cookie,
// an api key in the query and a password and a JWT in the JSON body.
func BenchmarkAppendRedact(b *testing.B) {
	const jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNlY3JldA"
	book := recorder.Exchange{Service: "bookstore", Endpoint: "CreateBook", Transport: recorder.TransportHTTP, Target: "127.0.0.1:8080",
		Request: recorder.Request{Method: "POST", Path: "/v1/books?page_size=5",
			Headers: map[string][]string{"Content-Type": {"application/json"}, "User-Agent": {"Go-http-client/1.1"}, "Accept-Encoding": {"gzip"},
				"Traceparent": {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}},
			Body: &recorder.Body{JSON: []byte(`{"title":"Dune","author":"Frank Herbert","year":1965,"tags":["sf","classic"],"publisher":{"name":"Chilton","city":"Philadelphia"}}`)}},
		Response: recorder.Response{Status: 200, Headers: map[string][]string{"Content-Type": {"application/json"}, "Date": {"Mon, 02 Jan 2026 15:04:05 GMT"}},
			Body: &recorder.Body{JSON: []byte(`{"id":"0000000000000001","title":"Dune","author":"Frank Herbert","year":1965,"create_time":"2026-01-01T00:00:00Z"}`)}},
	}
	secrets := book
	secrets.Request.Path = "/v1/books?page_size=5&api_key=k-123"
	secrets.Request.Headers = map[string][]string{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + jwt}, "Cookie": {"sid=abc"}}
	secrets.Request.Body = &recorder.Body{JSON: []byte(`{"user":"alice","password":"hunter2","note":"` + jwt + `"}`)}
	for _, c := range []struct {
		name string
		ex   recorder.Exchange
	}{{"book", book}, {"secrets", secrets}} {
		b.Run(c.name, func(b *testing.B) {
			w, err := recorder.NewWriter(io.Discard, recorder.Header{}, recorder.WriteOptions{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := w.Append(c.ex); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
