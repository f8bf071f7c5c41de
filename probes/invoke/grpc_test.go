package invoke_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/probes/invoke"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// protoset writes book.proto's descriptors (with imports) as a protoset.
func protoset(t *testing.T) string {
	t.Helper()
	var set descriptorpb.FileDescriptorSet
	for _, fd := range []protoreflect.FileDescriptor{timestamppb.File_google_protobuf_timestamp_proto, bookpb.File_book_proto} {
		set.File = append(set.File, protodesc.ToFileDescriptorProto(fd))
	}
	b, err := proto.Marshal(&set)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "book.protoset")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func sources(t *testing.T) map[string]invoke.GRPCOptions {
	return map[string]invoke.GRPCOptions{
		"reflection": {},
		"proto":      {ProtoFiles: []string{"book.proto"}, ImportPaths: []string{"../../examples/bookstore/pb"}},
		"protoset":   {Protosets: []string{protoset(t)}},
	}
}

func TestGRPCUnaryEverySource(t *testing.T) {
	testutil.NoLeaks(t)
	inst := startBook(t, bookstore.Config{})
	for name, opts := range sources(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			g, err := invoke.DialGRPC(ctx, inst.GRPCAddr, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			res, err := g.Invoke(ctx, invoke.Request{Method: "bookstore.v1.BookService/CreateBook",
				Body:   []byte(`{"book": {"title": "Dune", "author": "Herbert", "year": 1965}}`),
				Header: map[string][]string{"x-test": {name}}})
			if err != nil {
				t.Fatal(err)
			}
			var book struct {
				ID, Title, Author, CreateTime string
				Year                          int
			}
			if err := json.Unmarshal(res.Body, &book); err != nil || !res.OK() || res.Status != "OK" {
				t.Fatalf("create: %+v %s: %v", res, res.Body, err)
			}
			if book.Title != "Dune" || book.Year != 1965 || book.ID == "" || book.CreateTime == "" {
				t.Fatalf("book %s", res.Body)
			}
			for _, short := range []string{"bookstore.GetBook", "GetBook", "BookService.GetBook", "bookstore.v1.BookService.GetBook"} {
				got, err := g.Invoke(ctx, invoke.Request{Method: short, Body: []byte(`{"id":"` + book.ID + `"}`)})
				if err != nil || !got.OK() || got.Method != "/bookstore.v1.BookService/GetBook" {
					t.Fatalf("%s: %+v, %v", short, got, err)
				}
				if invoke.Diff(got.Body, res.Body, 0) != nil {
					t.Fatalf("%s: got %s, created %s", short, got.Body, res.Body)
				}
			}
			if res.RequestHeader["x-test"][0] != name || len(res.TraceID) != 32 ||
				!strings.Contains(res.RequestHeader["traceparent"][0], res.TraceID) {
				t.Fatalf("request header %v, trace %q", res.RequestHeader, res.TraceID)
			}
			if res.Header["content-type"][0] != "application/grpc" || res.Duration <= 0 || res.Start.IsZero() {
				t.Fatalf("header %v, duration %v", res.Header, res.Duration)
			}
			methods, err := g.Methods(ctx)
			if err != nil || strings.Join(methods, " ") != "bookstore.v1.BookService.CreateBook bookstore.v1.BookService.DeleteBook "+
				"bookstore.v1.BookService.GetBook bookstore.v1.BookService.ImportBooks bookstore.v1.BookService.ListBooks "+
				"bookstore.v1.BookService.SyncBooks bookstore.v1.BookService.WatchBooks" {
				t.Fatalf("methods %v, %v", methods, err)
			}
		})
	}
}

func TestGRPCTraceReachesServer(t *testing.T) {
	inst := startBook(t, bookstore.Config{})
	g, err := invoke.DialGRPC(t.Context(), inst.GRPCAddr, invoke.GRPCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	res, err := g.Invoke(t.Context(), invoke.Request{Method: "bookstore.ListBooks"})
	if err != nil || !res.OK() {
		t.Fatalf("%+v %v", res, err)
	}
	for _, s := range inst.Introspection.Spans(0, 100).Spans {
		if s.TraceID == res.TraceID {
			return
		}
	}
	t.Fatalf("no span of trace %s on the server", res.TraceID)
}

func TestGRPCErrors(t *testing.T) {
	testutil.NoLeaks(t)
	inst := startBook(t, bookstore.Config{Middleware: func(m string, next endpoint.Endpoint) endpoint.Endpoint {
		if m != bookstore.MethodListBooks {
			return next
		}
		return func(ctx context.Context, req any) (any, error) {
			<-ctx.Done() // slow: answers only when the caller gives up
			return nil, ctx.Err()
		}
	}})
	ctx := t.Context()
	g, err := invoke.DialGRPC(ctx, inst.GRPCAddr, invoke.GRPCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	for _, tc := range []struct {
		method, body string
		want         error
		msg          string
	}{
		{"bookstore.GetBok", `{}`, invoke.ErrNoMethod, `no such method "GetBok" in bookstore.v1.BookService; did you mean GetBook?`},
		{"nope.v1.Shelf.GetBook", `{}`, invoke.ErrNoService, `no such service "nope.v1.Shelf"`},
		{"GetBook", "{\n  \"id\": 1,,\n}", invoke.ErrBadJSON, "invalid JSON at line 2, column 11"},
		{"GetBook", `{"id": "1"`, invoke.ErrBadJSON, "invalid JSON at line 1, column 11: unexpected end of input"},
		{"GetBook", `[1]`, invoke.ErrBadJSON, "must be a JSON object"},
		{"GetBook", "{\"id\": \"1\",\n \"titel\": 2}", invoke.ErrUnknownField, `unknown field "titel" at line 2, column 2`},
		{"GetBook", `{"id": 7}`, invoke.ErrBadJSON, "invalid value for string field id"},
	} {
		_, err := g.Invoke(ctx, invoke.Request{Method: tc.method, Body: []byte(tc.body)})
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s %s: %v, want %v containing %q", tc.method, tc.body, err, tc.want, tc.msg)
		}
	}
	res, err := g.Invoke(ctx, invoke.Request{Method: "GetBook", Body: []byte(`{"id":"404"}`)})
	if err != nil || res.OK() || res.Code != 5 || res.Status != "NOT_FOUND" || res.Message == "" || res.Body != nil {
		t.Fatalf("not found: %+v, %v", res, err)
	}
	res, err = g.Invoke(ctx, invoke.Request{Method: "ListBooks", Timeout: 50 * time.Millisecond})
	if err != nil || res.Code != 4 || res.Status != "DEADLINE_EXCEEDED" {
		t.Fatalf("deadline: %+v, %v", res, err)
	}
}

func TestGRPCUnreachable(t *testing.T) {
	testutil.NoLeaks(t)
	inst := startBook(t, bookstore.Config{})
	addr := inst.GRPCAddr
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_ = inst.Shutdown(ctx)
	_, err := invoke.DialGRPC(ctx, addr, invoke.GRPCOptions{})
	if !errors.Is(err, invoke.ErrUnreachable) || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), addr) {
		t.Fatalf("dial a closed port: %v", err)
	}
	other := startBook(t, bookstore.Config{})
	_, err = invoke.DialGRPC(ctx, other.AdminAddr, invoke.GRPCOptions{}) // HTTP/1 only
	if !errors.Is(err, invoke.ErrUnreachable) {
		t.Fatalf("dial an HTTP/1 listener: %v", err)
	}
	_, err = invoke.DialGRPC(ctx, other.GRPCAddr, invoke.GRPCOptions{Protosets: []string{"/nonexistent.protoset"}})
	if err == nil || !strings.Contains(err.Error(), "nonexistent.protoset") {
		t.Fatalf("missing protoset: %v", err)
	}
}

func TestGRPCDescribe(t *testing.T) {
	inst := startBook(t, bookstore.Config{})
	for name, opts := range sources(t) {
		g, err := invoke.DialGRPC(t.Context(), inst.GRPCAddr, opts)
		if err != nil {
			t.Fatal(err)
		}
		s, err := g.Describe(t.Context(), "bookstore.CreateBook")
		g.Close()
		if err != nil {
			t.Fatal(err)
		}
		tmpl := `{"book":{"id":"","title":"","author":"","year":0,"createTime":"1970-01-01T00:00:00Z"}}`
		if s.Method != "bookstore.v1.BookService/CreateBook" || string(s.Template) != tmpl {
			t.Errorf("%s: %s template %s", name, s.Method, s.Template)
		}
		if s.Request.Name != "bookstore.v1.CreateBookRequest" || s.Request.Fields[0].Type != "bookstore.v1.Book" ||
			s.Request.Fields[0].Fields[4].Type != "google.protobuf.Timestamp" || s.Response.Name != "bookstore.v1.Book" {
			t.Errorf("%s: schema %+v", name, s)
		}
		if !strings.Contains(s.Text, "rpc CreateBook") || !strings.Contains(s.Text, "message CreateBookRequest") {
			t.Errorf("%s: text %s", name, s.Text)
		}
	}
}

func TestGRPCMethodDescriptor(t *testing.T) {
	inst := startBook(t, bookstore.Config{})
	for name, opts := range sources(t) {
		g, err := invoke.DialGRPC(t.Context(), inst.GRPCAddr, opts)
		if err != nil {
			t.Fatal(err)
		}
		md, err := g.MethodDescriptor(t.Context(), "/bookstore.v1.BookService/GetBook")
		if err != nil || md.Input().FullName() != "bookstore.v1.GetBookRequest" || md.Output().FullName() != "bookstore.v1.Book" {
			t.Errorf("%s: GetBook: %v %v", name, md, err)
		}
		for _, c := range []struct {
			full string
			want error
		}{
			{"/bookstore.v1.BookService/Nope", invoke.ErrNoMethod},
			{"/bookstore.v1.Nope/GetBook", invoke.ErrNoService},
			{"GetBook", invoke.ErrNoMethod},
		} {
			if _, err := g.MethodDescriptor(t.Context(), c.full); !errors.Is(err, c.want) {
				t.Errorf("%s: %s: %v, want %v", name, c.full, err, c.want)
			}
		}
		g.Close()
	}
	// Streaming methods are described too (server reflection's own).
	g, err := invoke.DialGRPC(t.Context(), inst.GRPCAddr, invoke.GRPCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	md, err := g.MethodDescriptor(t.Context(), "/grpc.health.v1.Health/Watch")
	if err != nil || !md.IsStreamingServer() {
		t.Errorf("Watch: %v %v", md, err)
	}
}
