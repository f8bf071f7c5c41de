package capture_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
	"github.com/kitbench/kitbench/recorder/internal/booktest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// linked looks methods up among the generated packages linked into the
// test, as server reflection would on the backend.
func linked(_ context.Context, full string) (protoreflect.MethodDescriptor, bool) {
	name := strings.ReplaceAll(strings.TrimPrefix(full, "/"), "/", ".")
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
	if err != nil {
		return nil, false
	}
	md, ok := d.(protoreflect.MethodDescriptor)
	return md, ok
}

// lockedSink keeps what it is given.
type lockedSink struct {
	mu  sync.Mutex
	exs []recorder.Exchange
}

func (m *lockedSink) Append(ex recorder.Exchange) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.exs = append(m.exs, ex)
	return nil
}

func (m *lockedSink) all() []recorder.Exchange {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]recorder.Exchange(nil), m.exs...)
}

// startProxy serves a GRPCProxy for backend on loopback and returns it
// with a client connection to it; everything stops when the test ends.
func startProxy(t *testing.T, backend string, to recorder.Appender, lookup capture.MethodLookup, opts ...capture.Options) (*capture.GRPCProxy, *grpc.ClientConn) {
	t.Helper()
	bc, err := grpc.NewClient(backend, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	o := capture.Options{Service: "bookstore"}
	if len(opts) > 0 {
		o = opts[0]
	}
	p := capture.NewGRPCProxy(bc, to, o, lookup)
	srv := p.NewServer()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(done) }()
	cc, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cc.Close()
		srv.Stop()
		<-done
		_ = bc.Close()
	})
	return p, cc
}

const proxySecret = "Bearer secret-token"

// bookCalls creates a book, gets it and misses one through cc.
func bookCalls(t *testing.T, cc *grpc.ClientConn) (*bookpb.Book, *bookpb.Book) {
	t.Helper()
	ctx := metadata.AppendToOutgoingContext(t.Context(), "authorization", proxySecret)
	c := bookpb.NewBookServiceClient(cc)
	created, err := c.CreateBook(ctx, &bookpb.CreateBookRequest{Book: &bookpb.Book{Title: "Dune", Author: "Frank Herbert", Year: 1965}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetBook(ctx, &bookpb.GetBookRequest{Id: created.Id})
	if err != nil || !proto.Equal(got, created) {
		t.Fatalf("GetBook through the proxy: %v, %v", got, err)
	}
	_, err = c.GetBook(ctx, &bookpb.GetBookRequest{Id: "nope"})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("missing book through the proxy: %v", err)
	}
	return created, got
}

// TestGRPCProxyRecordsUnary records Book calls through the proxy and
// checks the session against a server-side capture of the same calls,
// then replays it against a fresh Book service.
func TestGRPCProxyRecordsUnary(t *testing.T) {
	testutil.NoLeaks(t)
	server := new(lockedSink)
	book := booktest.Start(t, server, capture.Options{}, nil, booktest.Sync)
	path := filepath.Join(t.TempDir(), "proxied.kitrec")
	w, err := recorder.Create(path, recorder.Header{Service: "bookstore", Ignore: booktest.Ignore}, recorder.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, cc := startProxy(t, book.GRPCAddr, w, linked)
	bookCalls(t, cc)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("secret-token")) {
		t.Errorf("the authorization metadata reached the file:\n%s", raw)
	}
	s, err := recorder.ReadFile(path, recorder.ReadOptions{})
	if err != nil || len(s.Errors) > 0 {
		t.Fatalf("%v %v", err, s.Errors)
	}
	want := server.all()
	if len(s.Exchanges) != 3 || len(want) != 3 || p.Streams() != 0 {
		t.Fatalf("proxy recorded %d exchanges, the server %d, streams %d", len(s.Exchanges), len(want), p.Streams())
	}
	for i, ex := range s.Exchanges {
		w := want[i]
		if ex.Transport != recorder.TransportGRPC || ex.Request.GRPCMethod != w.Request.GRPCMethod ||
			ex.Endpoint != w.Endpoint || ex.Target != book.GRPCAddr || ex.Service != "bookstore" || ex.Duration <= 0 {
			t.Errorf("exchange %d: %+v", i, ex)
		}
		if !bytes.Equal(ex.Request.Body.Raw(), w.Request.Body.Raw()) || !bytes.Equal(ex.Response.Body.Raw(), w.Response.Body.Raw()) {
			t.Errorf("exchange %d bodies:\nproxy  %s → %s\nserver %s → %s", i,
				ex.Request.Body.Raw(), ex.Response.Body.Raw(), w.Request.Body.Raw(), w.Response.Body.Raw())
		}
		if ex.Response.GRPCCode != w.Response.GRPCCode || ex.Response.GRPCMessage != w.Response.GRPCMessage {
			t.Errorf("exchange %d status: %d %q, server %d %q", i, ex.Response.GRPCCode, ex.Response.GRPCMessage,
				w.Response.GRPCCode, w.Response.GRPCMessage)
		}
		if a := ex.Request.Headers["authorization"]; len(a) != 1 || a[0] == proxySecret {
			t.Errorf("exchange %d authorization %q", i, a)
		}
	}
	if miss := s.Exchanges[2].Response; miss.GRPCCode != int(codes.NotFound) || miss.Body != nil {
		t.Errorf("the miss was recorded as %+v", miss)
	}
	if len(s.Exchanges[1].Response.Body.JSON) == 0 {
		t.Errorf("GetBook's response is not JSON: %+v", s.Exchanges[1].Response.Body)
	}

	fresh := booktest.Start(t, nil, capture.Options{}, nil)
	rp, err := recorder.NewReplayer(recorder.GRPCTarget(fresh.Conn), recorder.ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := rp.Replay(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if !r.OK() {
			t.Errorf("%s", r.Explain())
		}
	}
	if rep.Passed != 3 {
		t.Errorf("replay: %d passed, %d failed", rep.Passed, rep.Failed)
	}
}

// TestGRPCProxyWithoutDescriptors keeps messages as their bytes.
func TestGRPCProxyWithoutDescriptors(t *testing.T) {
	book := booktest.Start(t, nil, capture.Options{}, nil)
	sink := new(lockedSink)
	_, cc := startProxy(t, book.GRPCAddr, sink, nil)
	created, _ := bookCalls(t, cc)
	exs := sink.all()
	if len(exs) != 3 {
		t.Fatalf("recorded %d exchanges", len(exs))
	}
	wantReq, _ := proto.Marshal(&bookpb.GetBookRequest{Id: created.Id})
	wantResp, _ := proto.Marshal(created)
	get := exs[1]
	if get.Request.Body == nil || !bytes.Equal(get.Request.Body.Bytes, wantReq) || get.Request.Body.JSON != nil {
		t.Errorf("request body %+v, want bytes %x", get.Request.Body, wantReq)
	}
	var back bookpb.Book
	if get.Response.Body == nil || proto.Unmarshal(get.Response.Body.Bytes, &back) != nil || !proto.Equal(&back, created) {
		t.Errorf("response body %+v, want the bytes of %v (%x)", get.Response.Body, created, wantResp)
	}
	if exs[2].Response.GRPCCode != int(codes.NotFound) {
		t.Errorf("miss: %+v", exs[2].Response)
	}
}

// TestGRPCProxyBackendDown gives the client Unavailable and records it.
func TestGRPCProxyBackendDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	sink := new(lockedSink)
	_, cc := startProxy(t, dead, sink, linked)
	_, err = bookpb.NewBookServiceClient(cc).GetBook(t.Context(), &bookpb.GetBookRequest{Id: "1"})
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("call to a dead backend: %v", err)
	}
	exs := sink.all()
	if len(exs) != 1 {
		t.Fatalf("recorded %d exchanges", len(exs))
	}
	ex := exs[0]
	if ex.Response.GRPCCode != int(codes.Unavailable) || ex.Response.GRPCMessage != status.Convert(err).Message() ||
		ex.Target != dead || string(ex.Request.Body.Raw()) != `{"id":"1"}` {
		t.Errorf("recorded %+v, request %s", ex.Response, ex.Request.Body.Raw())
	}
}

// TestGRPCProxyBadMessage relays a backend's refusal of a message it
// cannot decode, and records the bytes that were sent.
func TestGRPCProxyBadMessage(t *testing.T) {
	book := booktest.Start(t, nil, capture.Options{}, nil)
	sink := new(lockedSink)
	_, cc := startProxy(t, book.GRPCAddr, sink, linked)
	garbage := []byte{0xff, 0xff, 0xff}
	err := cc.Invoke(t.Context(), "/bookstore.v1.BookService/GetBook", &rawMsg{garbage}, &rawMsg{}, grpc.ForceCodecV2(rawTestCodec{}))
	if status.Code(err) != codes.Internal {
		t.Fatalf("garbage through the proxy: %v", err)
	}
	exs := sink.all()
	if len(exs) != 1 || !bytes.Equal(exs[0].Request.Body.Bytes, garbage) || exs[0].Response.GRPCCode != int(codes.Internal) {
		t.Fatalf("recorded %+v", exs)
	}
}

var errNotRaw = errors.New("not a rawMsg")

type rawMsg struct{ b []byte }

type rawTestCodec struct{}

func (rawTestCodec) Marshal(v any) (mem.BufferSlice, error) {
	m, ok := v.(*rawMsg)
	if !ok {
		return nil, errNotRaw
	}
	return mem.BufferSlice{mem.SliceBuffer(m.b)}, nil
}

func (rawTestCodec) Unmarshal(data mem.BufferSlice, v any) error {
	m, ok := v.(*rawMsg)
	if !ok {
		return errNotRaw
	}
	m.b = data.Materialize()
	return nil
}

func (rawTestCodec) Name() string { return "proto" }

// TestGRPCProxyMaxBody keeps the first MaxBody bytes of a long body, as
// JSON or as bytes, and none with a negative MaxBody.
func TestGRPCProxyMaxBody(t *testing.T) {
	book := booktest.Start(t, nil, capture.Options{}, nil)
	req := &bookpb.GetBookRequest{Id: strings.Repeat("x", 40)}
	wire, _ := proto.Marshal(req)
	for _, c := range []struct {
		name   string
		lookup capture.MethodLookup
		max    int
		want   *recorder.Body
	}{
		{"json", linked, 8, &recorder.Body{Bytes: []byte(`{"id":"x`), Truncated: true, Size: 49}},
		{"bytes", nil, 8, &recorder.Body{Bytes: wire[:8], Truncated: true, Size: int64(len(wire))}},
		{"none", linked, -1, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			sink := new(lockedSink)
			_, cc := startProxy(t, book.GRPCAddr, sink, c.lookup, capture.Options{MaxBody: c.max})
			_, err := bookpb.NewBookServiceClient(cc).GetBook(t.Context(), req)
			if status.Code(err) != codes.NotFound {
				t.Fatal(err)
			}
			exs := sink.all()
			if len(exs) != 1 || !reflect.DeepEqual(exs[0].Request.Body, c.want) {
				t.Fatalf("recorded %+v, want %+v", exs[0].Request.Body, c.want)
			}
		})
	}
}

// A proxy in front of a gRPC service, recording its unary calls to a
// session; a client calls the proxy's address instead of the service's.
func ExampleNewGRPCProxy() {
	w, err := recorder.Create(filepath.Join(os.TempDir(), "example.kitrec"), recorder.Header{}, recorder.WriteOptions{})
	if err != nil {
		return
	}
	defer w.Close()
	backend, err := grpc.NewClient("127.0.0.1:9090", grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return
	}
	defer backend.Close()
	// A nil lookup keeps messages as bytes; kitbench record reads
	// descriptors through the backend's server reflection.
	p := capture.NewGRPCProxy(backend, w, capture.Options{Service: "bookstore"}, nil)
	srv := p.NewServer()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return
	}
	go func() { _ = srv.Serve(ln) }()
	// ... clients call ln.Addr() ...
	srv.GracefulStop()
}
