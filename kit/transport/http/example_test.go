package http_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
)

type greetRequest struct {
	Name string `json:"name"`
}

type greetResponse struct {
	Greeting string `json:"greeting"`
}

func greet(_ context.Context, r greetRequest) (greetResponse, error) {
	if r.Name == "" {
		return greetResponse{}, transport.NewError(http.StatusUnprocessableEntity, "name is required")
	}
	return greetResponse{Greeting: "hello, " + r.Name}, nil
}

// startExample serves h on 127.0.0.1 and returns its URL and a stop func.
func startExample(h http.Handler) (string, func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := kithttp.NewHTTPServer("", h)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close(); <-done }
}

func post(url, body string) {
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	// The request id is random; blank it so the output is stable.
	s := strings.Replace(string(b), resp.Header.Get(kithttp.RequestIDHeader), "…", 1)
	fmt.Print(resp.StatusCode, " ", s)
}

func ExampleNewServer() {
	h := kithttp.NewServer(endpoint.Typed(greet), kithttp.DecodeJSONRequest[greetRequest], kithttp.EncodeJSONResponse)
	base, stop := startExample(h)
	defer stop()
	defer http.DefaultClient.CloseIdleConnections()

	post(base, `{"name":"gopher"}`)
	post(base, `{"name":42}`)
	post(base, `{"nmae":"typo"}`)
	post(base, `{}`)
	// Output:
	// 200 {"greeting":"hello, gopher"}
	// 400 {"error":"field \"name\": got JSON number, want string (value ends at byte 10)","status":400,"request_id":"…"}
	// 400 {"error":"unknown field \"nmae\" (before byte 15)","status":400,"request_id":"…"}
	// 422 {"error":"name is required","status":422,"request_id":"…"}
}

func ExampleRouter() {
	rt := kithttp.NewRouter()
	err := rt.Handle("Greet", "POST", "/greet",
		kithttp.NewServer(endpoint.Typed(greet), kithttp.DecodeJSONRequest[greetRequest], kithttp.EncodeJSONResponse))
	if err != nil {
		fmt.Println(err)
	}
	base, stop := startExample(rt)
	defer stop()
	defer http.DefaultClient.CloseIdleConnections()

	post(base+"/greet", `{"name":"router"}`)
	post(base+"/farewell", `{}`)
	resp, _ := http.Get(base + "/greet")
	resp.Body.Close()
	fmt.Println(resp.StatusCode, "Allow:", resp.Header.Get("Allow"))
	// The route's request and response shapes come from the decoder's and
	// the typed endpoint's types; no example was written by hand.
	doc, _ := json.Marshal(rt.Endpoints())
	fmt.Println(string(doc))
	// Output:
	// 200 {"greeting":"hello, router"}
	// 404 {"error":"no route for POST /farewell","status":404,"request_id":"…"}
	// 405 Allow: POST
	// [{"name":"Greet","transport":"http","http_method":"POST","http_path":"/greet","request_example":{"name":""},"request":{"type":"http_test.greetRequest","fields":[{"name":"name","type":"string"}]},"response":{"type":"http_test.greetResponse","fields":[{"name":"greeting","type":"string"}]}}]
}

func ExampleClient() {
	h := kithttp.NewServer(endpoint.Typed(greet), kithttp.DecodeJSONRequest[greetRequest], kithttp.EncodeJSONResponse)
	base, stop := startExample(h)
	defer stop()
	defer http.DefaultClient.CloseIdleConnections()

	target, _ := url.Parse(base)
	call := kithttp.NewClient("POST", target, kithttp.EncodeJSONRequest, kithttp.DecodeJSONResponse[greetResponse]).Endpoint()

	resp, err := call(context.Background(), greetRequest{Name: "client"})
	fmt.Println(resp.(*greetResponse).Greeting, err)

	_, err = call(context.Background(), greetRequest{})
	var re *kithttp.ResponseError
	fmt.Println(errors.As(err, &re), transport.StatusOf(err), err)
	// Output:
	// hello, client <nil>
	// true 422 name is required
}
