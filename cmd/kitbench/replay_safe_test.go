package main

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/kit/endpoint"
)

// counted is a Book instance that counts what reaches it: every HTTP
// request and gRPC call, and each method's endpoint calls.
type counted struct {
	*bookstore.Instance
	requests atomic.Int64
	mu       sync.Mutex
	methods  map[string]int
}

func countedBook(t *testing.T) *counted {
	t.Helper()
	c := &counted{methods: map[string]int{}}
	c.Instance = callBook(t, bookstore.Config{
		HTTPMiddleware: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { c.requests.Add(1); next.ServeHTTP(w, r) })
		},
		GRPCInterceptors: []grpc.UnaryServerInterceptor{func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			c.requests.Add(1)
			return h(ctx, req)
		}},
		Middleware: func(method string, next endpoint.Endpoint) endpoint.Endpoint {
			return func(ctx context.Context, req any) (any, error) {
				c.mu.Lock()
				c.methods[method]++
				c.mu.Unlock()
				return next(ctx, req)
			}
		},
	})
	return c
}

func (c *counted) calls(method string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.methods[method]
}

// TestReplayRefusesWritesToAnotherTarget records a session with a POST
// and a DELETE against one Book instance, then replays it against
// another: refused without --allow-writes (nothing reaches the server),
// nothing sent on --dry-run, only the reads with --only-safe, and
// everything, each with a fresh trace id, with --allow-writes.
func TestReplayRefusesWritesToAnotherTarget(t *testing.T) {
	reg := callRegistry(t)
	callBook(t, bookstore.Config{Registry: reg})
	file := filepath.Join(t.TempDir(), "writes.kitrec")
	for _, args := range [][]string{
		{"bookstore.ListBooks", "-d", `{"page_size":5}`},
		{"bookstore.CreateBook", "--http", "-d", `{"title":"Dune","author":"Frank Herbert","year":1965}`},
		{"bookstore.GetBook", "--http", "-p", "id=0000000000000001"},
		{"bookstore.DeleteBook", "--http", "-p", "id=0000000000000001"},
	} {
		if code, out, errOut := runArgs(t, append([]string{"call", "--consul", reg, "--record", file}, args...)...); code != 0 {
			t.Fatalf("call %v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	other := countedBook(t)
	replay := func(args ...string) (int, string, string) {
		return runArgs(t, append([]string{"replay", file, "--target", "http://" + other.HTTPAddr, "--target", "grpc://" + other.GRPCAddr,
			"--ignore", "$.create_time", "--ignore", "$.request_id"}, args...)...)
	}

	code, out, errOut := replay()
	rows := regexp.MustCompile(`(?m)^(\d)\s{2,}(\S+)`).FindAllStringSubmatch(out, -1)
	var verdicts []string
	for _, r := range rows {
		verdicts = append(verdicts, r[2])
	}
	if code != 1 || strings.Join(verdicts, " ") != "skip REFUSED skip REFUSED" || other.requests.Load() != 0 {
		t.Fatalf("without --allow-writes: exit %d, verdicts %v, %d requests reached the target\n%s%s", code, verdicts, other.requests.Load(), out, errOut)
	}
	for _, want := range []string{"nothing was sent: 2 exchange(s) may change the data of " + other.GRPCAddr + ", " + other.HTTPAddr + ", where the session was not recorded", "#4 DELETE /v1/books/0000000000000001 (DeleteBook) (DELETE is not a GET, HEAD or OPTIONS)", "--allow-writes sends them"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("the refusal lacks %q: %s", want, errOut)
		}
	}
	if !strings.Contains(out, "may change data: DELETE is not a GET, HEAD or OPTIONS; not sent") {
		t.Errorf("the table should say why the DELETE was refused:\n%s", out)
	}

	code, out, errOut = replay("--dry-run", "--allow-writes", "-v")
	if code != 0 || other.requests.Load() != 0 || strings.Count(out, "dry-run") != 4 ||
		!strings.Contains(out, `would send {"title":"Dune","author":"Frank Herbert","year":1965}`) || !strings.Contains(out, "> Traceparent: 00-") {
		t.Fatalf("--dry-run: exit %d, %d requests reached the target\n%s%s", code, other.requests.Load(), out, errOut)
	}

	code, out, errOut = replay("--only-safe")
	if other.calls(bookstore.MethodCreateBook) != 0 || other.calls(bookstore.MethodDeleteBook) != 0 || other.calls(bookstore.MethodListBooks) != 1 ||
		!strings.Contains(out, "unsafe: DELETE is not a GET, HEAD or OPTIONS") || !strings.Contains(out, "2 not sent") {
		t.Fatalf("--only-safe: exit %d, calls %v\n%s%s", code, other.methods, out, errOut)
	}

	fresh := countedBook(t)
	code, out, errOut = runArgs(t, "replay", file, "--target", "http://"+fresh.HTTPAddr, "--target", "grpc://"+fresh.GRPCAddr,
		"--ignore", "$.create_time", "--ignore", "$.request_id", "--allow-writes", "-o", "json")
	var rep struct {
		Passed  int
		Results []struct {
			TraceID         string `json:"trace_id"`
			RecordedTraceID string `json:"recorded_trace_id"`
			Safety          struct{ Safe bool }
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || rep.Passed != 4 || fresh.calls(bookstore.MethodDeleteBook) != 1 {
		t.Fatalf("--allow-writes: exit %d, %v\n%s%s", code, err, out, errOut)
	}
	for i, r := range rep.Results {
		if len(r.TraceID) != 32 || len(r.RecordedTraceID) != 32 || r.TraceID == r.RecordedTraceID {
			t.Errorf("exchange %d: trace id %q, recorded %q: want a fresh one beside the recorded one", i+1, r.TraceID, r.RecordedTraceID)
		}
		if want := i == 0 || i == 2; r.Safety.Safe != want {
			t.Errorf("exchange %d: safe %v", i+1, r.Safety.Safe)
		}
	}
}
