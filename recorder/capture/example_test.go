package capture_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
)

type printer struct{}

func (printer) Append(ex recorder.Exchange) error {
	fmt.Println(ex.Transport, ex.Endpoint, ex.Request.Method, ex.Request.Path, ex.Response.Status, string(ex.Response.Body.Raw()))
	return nil
}

// Capture what a handler serves; the client's response is unchanged.
func ExampleHTTP() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ping", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"pong":true}`)
	})
	name := func(r *http.Request) string { return "Ping" }
	h := capture.HTTP(printer{}, capture.Options{Name: name})(mux)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/ping", strings.NewReader("")))
	fmt.Println("client got:", rec.Code, rec.Body.String())
	// Output:
	// http Ping GET /ping 200 {"pong":true}
	// client got: 200 {"pong":true}
}

// A Capture records off the calls' goroutines; Close writes what waits.
func ExampleNew() {
	c := capture.New(printer{}, capture.Options{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /books/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%q}`, r.PathValue("id"))
	})
	h := c.HTTP(mux)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/books/7", nil))
	if err := c.Close(); err != nil { // after the exchange is recorded
		fmt.Println(err)
	}
	fmt.Println("client got:", rec.Code, rec.Body.String())
	// Output:
	// http GET /books/{id} GET /books/7 200 {"id":"7"}
	// client got: 200 {"id":"7"}
}
