package recorder_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/recorder"
)

const benchExchanges = 10000

// session10k is a 10 000-exchange Book session: creates then gets.
func session10k(b *testing.B) []byte {
	b.Helper()
	var buf bytes.Buffer
	w, err := recorder.NewWriter(&buf, recorder.Header{Service: "bookstore", Ignore: []string{"$.create_time", "$.request_id"}}, recorder.WriteOptions{})
	if err != nil {
		b.Fatal(err)
	}
	hdr := map[string][]string{"Content-Type": {"application/json"}, "User-Agent": {"bench"}}
	for i := range benchExchanges {
		id := fmt.Sprintf("%016d", i/2+1)
		ex := recorder.Exchange{Service: "bookstore", Transport: recorder.TransportHTTP, Target: "127.0.0.1:8080",
			Request: recorder.Request{Headers: hdr}, Response: recorder.Response{Status: 200, Headers: hdr}}
		body := fmt.Sprintf(`{"id":%q,"title":"Book %d","author":"Author","year":2000,"create_time":"2026-01-01T00:00:00Z"}`, id, i/2+1)
		ex.Response.Body = &recorder.Body{JSON: json.RawMessage(body)}
		if i%2 == 0 {
			ex.Endpoint, ex.Request.Method, ex.Request.Path = "CreateBook", "POST", "/v1/books"
			ex.Request.Body = &recorder.Body{JSON: json.RawMessage(fmt.Sprintf(`{"title":"Book %d","author":"Author","year":2000}`, i/2+1))}
		} else {
			ex.Endpoint, ex.Request.Method, ex.Request.Path = "GetBook", "GET", "/v1/books/"+id
		}
		if err := w.Append(ex); err != nil {
			b.Fatal(err)
		}
	}
	return buf.Bytes()
}

// BenchmarkRead10k reads a 10 000-exchange session (per op: the whole file).
func BenchmarkRead10k(b *testing.B) {
	data := session10k(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := recorder.Read(bytes.NewReader(data), recorder.ReadOptions{})
		if err != nil || len(s.Exchanges) != benchExchanges {
			b.Fatal(err)
		}
	}
}

// BenchmarkReplay10k replays a 10 000-exchange session into the Book
// service's HTTP handler in process (per op: the whole session).
func BenchmarkReplay10k(b *testing.B) {
	s, err := recorder.Read(bytes.NewReader(session10k(b)), recorder.ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var h http.Handler = bookstore.NewHTTPHandler(bookstore.MakeEndpoints(bookstore.NewStore()))
		rp, err := recorder.NewReplayer(recorder.HandlerTarget(h), recorder.ReplayOptions{})
		if err != nil {
			b.Fatal(err)
		}
		rep, err := rp.Replay(context.Background(), s)
		if err != nil || rep.Failed != 0 {
			b.Fatalf("%v: %d failed: %s", err, rep.Failed, rep.Results[0].Explain())
		}
	}
}
