// Package booktest serves the Book example service with capture for the
// recorder's tests and benchmarks, and drives a session through it that
// carries every kind of secret the redaction rules know.
package booktest

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/kit/endpoint"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

// Ignore are the volatile paths of Book responses.
var Ignore = []string{"$.create_time", "$.books[*].create_time", "$.request_id"}

// Server is a Book service on loopback HTTP and gRPC listeners.
type Server struct {
	HTTPURL  string // http://127.0.0.1:port
	GRPCAddr string
	Conn     *grpc.ClientConn // a client connection to GRPCAddr
	HTTP     *http.Client
	// Capture records the traffic when Start was given a sink and no
	// Sync; close it before reading what it recorded.
	Capture *capture.Capture
}

// Sync, as Start's mode, records on the calls' goroutines
// (capture.HTTP, capture.UnaryServerInterceptor) instead of through a
// capture.Capture.
const Sync = true

// Start serves a fresh Book store (its streams included), with capture to sink when sink is not
// nil (through a Capture, or on the calls' goroutines when sync), and mw
// (when not nil) around each endpoint. Everything stops when tb's test
// ends.
func Start(tb testing.TB, sink recorder.Appender, opts capture.Options, mw func(string, endpoint.Endpoint) endpoint.Endpoint, sync ...bool) *Server {
	tb.Helper()
	store := bookstore.NewStore()
	e := bookstore.MakeEndpoints(store)
	if mw != nil {
		e = e.Wrap(mw)
	}
	router := bookstore.NewHTTPHandler(e)
	var h http.Handler = router
	var gopts []grpc.ServerOption
	var c *capture.Capture
	if sink != nil {
		opts.Name = capture.Names(router.Endpoints())
		if len(sync) > 0 && sync[0] {
			h = capture.HTTP(sink, opts)(setCookie(h))
			gopts = append(gopts, grpc.UnaryInterceptor(capture.UnaryServerInterceptor(sink, opts)),
				grpc.StreamInterceptor(capture.StreamServerInterceptor(sink, opts)))
		} else {
			c = capture.New(sink, opts)
			h = c.HTTP(setCookie(h))
			gopts = append(gopts, grpc.UnaryInterceptor(c.Unary), grpc.StreamInterceptor(c.Stream))
		}
	}
	hln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	gln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	hs := kithttp.NewHTTPServer("", h)
	gs := grpc.NewServer(gopts...)
	bookpb.RegisterBookServiceServer(gs, bookstore.NewGRPCServerWithStreams(e, bookstore.MakeStreamEndpoints(store)))
	kitgrpc.RegisterStandardServices(gs)
	done := make(chan struct{}, 2)
	go func() { _ = hs.Serve(hln); done <- struct{}{} }()
	go func() { _ = gs.Serve(gln); done <- struct{}{} }()
	cc, err := grpc.NewClient(gln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		tb.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	tb.Cleanup(func() {
		client.CloseIdleConnections()
		_ = cc.Close()
		_ = hs.Close()
		gs.Stop()
		<-done
		<-done
		if c != nil {
			_ = c.Close()
		}
	})
	return &Server{HTTPURL: "http://" + hln.Addr().String(), GRPCAddr: gln.Addr().String(), Conn: cc, HTTP: client, Capture: c}
}

// setCookie adds a session cookie to every response, so that capture
// sees a Set-Cookie header to redact.
func setCookie(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "sid="+Secrets.SetCookie+"; HttpOnly")
		next.ServeHTTP(w, r)
	})
}

// Secrets are the secret values Session sends, one per redaction rule.
var Secrets = struct {
	Bearer, Cookie, SetCookie, APIKey, ProxyAuth, CustomToken, QueryToken, GRPCAuth, PathSecret, BodyJWT string
}{
	Bearer: "bearer-S1-secret", Cookie: "cookie-S2-secret", SetCookie: "setcookie-S3-secret",
	APIKey: "apikey-S4-secret", ProxyAuth: "proxy-S5-secret", CustomToken: "custom-S6-secret",
	QueryToken: "query-S7-secret", GRPCAuth: "grpcauth-S8-secret", PathSecret: "path-S9-secret",
	BodyJWT: base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"S10-secret-subject"}`)) + ".UzEwLXNpZ25hdHVyZQ",
}

// SessionRedaction redacts the user-named path the session puts a secret
// in (any "author"), on top of the defaults.
var SessionRedaction = recorder.Redaction{Paths: []string{"$..author"}}

// Session sends a session over HTTP and gRPC: creates, gets, a list, a
// miss, a delete, each carrying secrets in headers, query, metadata and
// bodies.
func Session(tb testing.TB, s *Server) {
	tb.Helper()
	secretHdr := http.Header{
		"Authorization":       {"Bearer " + Secrets.Bearer},
		"Cookie":              {"sid=" + Secrets.Cookie},
		"X-Api-Key":           {Secrets.APIKey},
		"Proxy-Authorization": {"Basic " + Secrets.ProxyAuth},
		"X-Refresh-Token":     {Secrets.CustomToken},
		"Content-Type":        {"application/json"},
	}
	do := func(method, path, body string, want int) {
		var rd io.Reader
		if body != "" {
			rd = bytes.NewReader([]byte(body))
		}
		req, err := http.NewRequest(method, s.HTTPURL+path, rd)
		if err != nil {
			tb.Fatal(err)
		}
		req.Header = secretHdr.Clone()
		resp, err := s.HTTP.Do(req)
		if err != nil {
			tb.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			tb.Fatalf("%s %s: status %d, want %d", method, path, resp.StatusCode, want)
		}
	}
	do("POST", "/v1/books", `{"title":"Dune","author":"`+Secrets.PathSecret+`","year":1965}`, 200)
	do("POST", "/v1/books", `{"title":"`+Secrets.BodyJWT+`","author":"Anon"}`, 200)
	do("GET", "/v1/books/0000000000000001", "", 200)
	do("GET", "/v1/books?page_size=5&access_token="+Secrets.QueryToken, "", 200)
	do("GET", "/v1/books/0000000000000099", "", 404)
	do("POST", "/v1/books", `{"title":""}`, 400)
	do("DELETE", "/v1/books/0000000000000002", "", 200)

	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+Secrets.GRPCAuth)
	c := bookpb.NewBookServiceClient(s.Conn)
	if _, err := c.CreateBook(ctx, &bookpb.CreateBookRequest{Book: &bookpb.Book{Title: "Emma", Author: Secrets.PathSecret, Year: 1815}}); err != nil {
		tb.Fatal(err)
	}
	if _, err := c.GetBook(ctx, &bookpb.GetBookRequest{Id: "0000000000000003"}); err != nil {
		tb.Fatal(err)
	}
	if _, err := c.ListBooks(ctx, &bookpb.ListBooksRequest{PageSize: 10}); err != nil {
		tb.Fatal(err)
	}
	if _, err := c.GetBook(ctx, &bookpb.GetBookRequest{Id: "missing"}); err == nil {
		tb.Fatal(errors.New("GetBook(missing) succeeded"))
	}
}
