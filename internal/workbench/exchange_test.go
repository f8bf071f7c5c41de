package workbench

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/invoke"
	"github.com/kitbench/kitbench/recorder"
)

func TestExchangeOfRealCalls(t *testing.T) {
	inst := book(t, bookstore.Config{InstanceID: "book-1"})
	ctx := context.Background()
	c := NewCaller(CallerOptions{})
	call := func(in sd.Instance, method, body string) *Call {
		t.Helper()
		got, err := c.Call(ctx, "bookstore", []sd.Instance{in}, invoke.Request{Method: method, Body: []byte(body),
			Header: map[string][]string{"authorization": {"Bearer secret"}}})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	created := call(registered(inst), "bookstore.CreateBook", `{"book":{"title":"Dune","author":"Frank Herbert"}}`)

	ex, _ := Exchange(*created)
	if ex.Transport != recorder.TransportGRPC || ex.Endpoint != "CreateBook" || ex.Service != "bookstore" || ex.Instance != "book-1" ||
		ex.Target != inst.GRPCAddr || ex.Request.GRPCMethod != "/bookstore.v1.BookService/CreateBook" || ex.TraceID != created.Result.TraceID ||
		!ex.Time.Equal(created.Result.Start) || ex.Duration != created.Result.Duration || ex.Response.GRPCCode != 0 {
		t.Errorf("gRPC exchange %+v", ex)
	}
	// Bodies as the Caller gives them: the answer with the .proto's names.
	if string(ex.Request.Body.JSON) != string(created.Result.RequestBody) || string(ex.Response.Body.JSON) != string(created.Result.Body) ||
		!strings.Contains(string(ex.Response.Body.JSON), `"create_time"`) {
		t.Errorf("gRPC bodies %s → %s", ex.Request.Body.JSON, ex.Response.Body.JSON)
	}
	var id struct{ ID string }
	if err := json.Unmarshal(created.Result.Body, &id); err != nil {
		t.Fatal(err)
	}

	got := call(httpOnly(inst), "bookstore.GetBook", `{"id":"`+id.ID+`"}`)
	ex, _ = Exchange(*got)
	if ex.Transport != recorder.TransportHTTP || ex.Endpoint != "GetBook" || ex.Target != inst.HTTPAddr ||
		ex.Request.Method != "GET" || ex.Request.Path != "/v1/books/"+id.ID || ex.Request.Body != nil ||
		ex.Response.Status != 200 || ex.Response.Body == nil || !strings.Contains(string(ex.Response.Body.JSON), "Frank Herbert") {
		t.Errorf("HTTP exchange %+v", ex)
	}
	list, _ := Exchange(*call(httpOnly(inst), "bookstore.ListBooks", `{"page_size":1}`))
	if list.Request.Path != "/v1/books?page_size=1" || list.Endpoint != "ListBooks" {
		t.Errorf("the path keeps its query: %q (%s)", list.Request.Path, list.Endpoint)
	}

	// Recorded, the secret is gone and the rest reads back as converted.
	file := filepath.Join(t.TempDir(), "s.kitrec")
	rec, err := AppendTo(file, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*Call{created, got} {
		if err := rec.Record(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil || rec.Calls() != 2 {
		t.Fatalf("close: %v, %d calls", err, rec.Calls())
	}
	raw, _ := os.ReadFile(file)
	if strings.Contains(string(raw), "secret") {
		t.Errorf("the bearer token reached the file:\n%s", raw)
	}
	s, err := recorder.ReadFile(file, recorder.ReadOptions{})
	if err != nil || len(s.Errors) > 0 || len(s.Exchanges) != 2 || s.Header.Tool != "test" {
		t.Fatalf("read back: %+v %v", s, err)
	}
	if h := s.Exchanges[1].Request.Headers["authorization"]; len(h) != 1 || h[0] != recorder.Placeholder {
		t.Errorf("authorization recorded as %q", h)
	}
}

// A body invoke had to quote as a JSON string goes back to its bytes.
func TestExchangeKeepsANonJSONBody(t *testing.T) {
	res := &invoke.Result{Transport: invoke.HTTP, Target: "127.0.0.1:1", Method: "GET /health", URL: "http://127.0.0.1:1/health",
		Code: 503, Status: "503 Service Unavailable", Header: map[string][]string{"content-type": {"text/plain; charset=utf-8"}},
		Body: json.RawMessage(`"draining\n"`), Start: time.Unix(1, 0)}
	ex, _ := Exchange(Call{Service: "s", Instance: sd.Instance{ID: "i"}, Request: invoke.Request{Method: "s.Health"}, Result: res})
	if b := ex.Response.Body; b == nil || string(b.Bytes) != "draining\n" || b.JSON != nil || ex.Endpoint != "Health" || ex.Request.Path != "/health" {
		t.Errorf("exchange %+v body %+v", ex, ex.Response.Body)
	}
}

func TestAppendToRefusesAFileThatIsNotASession(t *testing.T) {
	notes := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notes, []byte("shopping list\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := AppendTo(notes, "test"); err == nil {
		t.Fatal("appended to a file that is not a session")
	}
	if b, _ := os.ReadFile(notes); string(b) != "shopping list\n" {
		t.Errorf("the file was changed: %q", b)
	}
	var none *Recording
	if err := none.Record(&Call{}); err != nil || none.Close() != nil || none.Calls() != 0 {
		t.Error("a nil Recording should record nothing")
	}
}
