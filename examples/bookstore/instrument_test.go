package bookstore

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"
	"github.com/hashicorp/consul/api"
	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/kit/auth/jwt"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd/devregistry"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// failing makes GetBook fail with a server error while on is set.
func failing(on *atomic.Bool) func(string, endpoint.Endpoint) endpoint.Endpoint {
	return func(method string, next endpoint.Endpoint) endpoint.Endpoint {
		if method != MethodGetBook {
			return next
		}
		return func(ctx context.Context, req any) (any, error) {
			if on.Load() {
				return nil, errors.New("injected: disk on fire")
			}
			return next(ctx, req)
		}
	}
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// sseEvents follows an SSE stream and sends each event's type and data.
func sseEvents(t *testing.T, ctx context.Context, url string) <-chan [2]string {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("events content type %q", ct)
	}
	out := make(chan [2]string, 64)
	go func() {
		defer resp.Body.Close()
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		var typ string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				typ = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				select {
				case out <- [2]string{typ, strings.TrimPrefix(line, "data: ")}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}

func TestBreakerOpensAndIsVisibleThroughIntrospection(t *testing.T) {
	var fail atomic.Bool
	inst, err := Start(Config{Middleware: failing(&fail), OpenTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Shutdown(context.Background())
	admin := "http://" + inst.AdminAddr + introspect.PathPrefix

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := sseEvents(t, ctx, admin+"/events")

	base := "http://" + inst.HTTPAddr + "/v1/books/"
	fail.Store(true)
	for i := range 5 {
		if resp, body := get(t, base+"x"); resp.StatusCode != 500 || strings.Contains(string(body), "disk on fire") {
			t.Fatalf("failing call %d: %d %s (want a 500 that hides the cause)", i, resp.StatusCode, body)
		}
	}
	fail.Store(false)
	resp, body := get(t, base+"x")
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("call with the breaker open: %d %q Retry-After=%q", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}

	resp, body = get(t, admin+"/breakers")
	var breakers []introspect.Breaker
	if err := json.Unmarshal(body, &breakers); err != nil || resp.StatusCode != 200 {
		t.Fatalf("breakers: %d %s %v", resp.StatusCode, body, err)
	}
	var found bool
	for _, b := range breakers {
		if b.Name == MethodGetBook {
			found = true
			if b.State != introspect.StateOpen || b.Counts.Rejected != 1 {
				t.Fatalf("GetBook breaker: %+v", b)
			}
		} else if b.State != introspect.StateClosed {
			t.Fatalf("breaker %s is %s", b.Name, b.State)
		}
	}
	if !found {
		t.Fatalf("no GetBook breaker in %s", body)
	}

	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("event stream ended")
			}
			if ev[0] != introspect.EventBreaker {
				continue
			}
			var e introspect.Event
			if err := json.Unmarshal([]byte(ev[1]), &e); err != nil {
				t.Fatalf("event %s: %v", ev[1], err)
			}
			tr := e.Breaker
			if tr == nil || tr.Name != MethodGetBook || tr.To != introspect.StateOpen {
				continue
			}
			// Failures carry the status only: the error's text stays in the service.
			if len(tr.Failures) != 5 || tr.Failures[0].Error != "500 Internal Server Error" {
				t.Fatalf("transition failures: %+v", tr.Failures)
			}
			goto metrics
		case <-timeout:
			t.Fatal("no breaker transition on the event stream")
		}
	}
metrics:
	_, body = get(t, "http://"+inst.AdminAddr+"/metrics")
	text := string(body)
	for _, want := range []string{
		`kit_breaker_state{breaker="GetBook"} 2`,
		`kit_requests_total{code="500",endpoint="GetBook",transport="http"} 5`,
		`kit_requests_total{code="503",endpoint="GetBook",transport="http"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// The compact RED resource the workbench reads instead of /metrics.
	_, body = get(t, admin+"/red")
	var red introspect.RED
	if err := json.Unmarshal(body, &red); err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(red.Endpoints, func(e introspect.REDEndpoint) bool {
		return e.Endpoint == "GetBook" && e.Transport == "http"
	}); i < 0 || red.Endpoints[i].Codes["500"] != 5 {
		t.Errorf("/red: %+v, want GetBook over http with 5 answers of 500", red.Endpoints)
	}

	_, body = get(t, admin+"/info")
	var info introspect.Info
	if err := json.Unmarshal(body, &info); err != nil {
		t.Fatal(err)
	}
	if info.Service != ServiceName || info.InstanceID != inst.InstanceID || len(info.Endpoints) != 11 || len(info.Transports) != 2 || len(info.Streams) != 3 {
		t.Fatalf("info: %+v", info)
	}
}

func TestRateLimitAnswers429(t *testing.T) {
	inst := startWith(t, Config{RateLimit: 0.001, Burst: 2})
	base := "http://" + inst.HTTPAddr + "/v1/books"
	for range 2 {
		if resp, body := get(t, base); resp.StatusCode != 200 {
			t.Fatalf("within burst: %d %s", resp.StatusCode, body)
		}
	}
	resp, _ := get(t, base)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("over the limit: %d Retry-After=%q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	client := bookpb.NewBookServiceClient(dialGRPC(t, inst.GRPCAddr))
	if _, err := client.ListBooks(context.Background(), &bookpb.ListBooksRequest{}); status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("grpc over the limit: %v", err)
	}
}

func TestJWTGuardsWrites(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	inst := startWith(t, Config{JWT: &jwt.Config{Methods: []string{"HS256"}, Keys: map[string]any{"": key}}})
	token, err := gojwt.NewWithClaims(gojwt.SigningMethodHS256, gojwt.MapClaims{
		"sub": "tester", "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	post := func(auth string) *http.Response {
		req, _ := http.NewRequest("POST", "http://"+inst.HTTPAddr+"/v1/books", strings.NewReader(`{"title":"Signed"}`))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := post(""); resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Fatalf("no token: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	if resp := post("Bearer " + token + "x"); resp.StatusCode != 401 {
		t.Fatalf("bad token: %d", resp.StatusCode)
	}
	if resp := post("Bearer " + token); resp.StatusCode != 200 {
		t.Fatalf("good token: %d", resp.StatusCode)
	}
	// Reads stay open.
	if resp, _ := get(t, "http://"+inst.HTTPAddr+"/v1/books"); resp.StatusCode != 200 {
		t.Fatalf("read: %d", resp.StatusCode)
	}
	client := bookpb.NewBookServiceClient(dialGRPC(t, inst.GRPCAddr))
	req := &bookpb.CreateBookRequest{Book: &bookpb.Book{Title: "Signed"}}
	if _, err := client.CreateBook(context.Background(), req); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("grpc without token: %v", err)
	}
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token)
	if _, err := client.CreateBook(ctx, req); err != nil {
		t.Fatalf("grpc with token: %v", err)
	}
}

func TestRegistersWithTheDevRegistry(t *testing.T) {
	reg := devregistry.New(devregistry.Options{})
	ln, err := devregistry.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go reg.Serve(ln)
	defer reg.Close()

	inst, err := Start(Config{Registry: ln.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	cfg := api.DefaultConfig()
	cfg.Address = ln.Addr().String()
	client, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	entries, _, err := client.Health().Service(ServiceName, "", true, nil)
	if err != nil || len(entries) != 1 {
		t.Fatalf("registered: %v %v", entries, err)
	}
	svc := entries[0].Service
	if svc.ID != inst.InstanceID || svc.Meta["kit_grpc"] != inst.GRPCAddr || svc.Meta["kit_admin"] != "http://"+inst.AdminAddr {
		t.Fatalf("registration: %+v", svc)
	}
	if err := inst.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	entries, _, err = client.Health().Service(ServiceName, "", false, nil)
	if err != nil || len(entries) != 0 {
		t.Fatalf("after shutdown: %v %v", entries, err)
	}
}

func TestUnreachableRegistryIsAClearError(t *testing.T) {
	_, err := Start(Config{Registry: "127.0.0.1:1"})
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") || !strings.Contains(err.Error(), "kitbench registry") {
		t.Fatalf("err = %v", err)
	}
}

func TestOptionalRegistryRunsUnregistered(t *testing.T) {
	inst := startWith(t, Config{Registry: "127.0.0.1:1", RegistryOptional: true})
	if resp, _ := get(t, "http://"+inst.HTTPAddr+"/v1/books"); resp.StatusCode != 200 {
		t.Fatalf("unregistered instance: %d", resp.StatusCode)
	}
}

// Every published request example is accepted, strictly, by its transport.
func TestRequestExamplesMatchTheirTransport(t *testing.T) {
	router := NewHTTPHandler(MakeEndpoints(NewStore()))
	docs := EndpointDocs(router.Endpoints())
	grpcReq := map[string]proto.Message{
		MethodCreateBook: &bookpb.CreateBookRequest{}, MethodGetBook: &bookpb.GetBookRequest{},
		MethodListBooks: &bookpb.ListBooksRequest{}, MethodDeleteBook: &bookpb.DeleteBookRequest{},
		MethodWatchBooks: &bookpb.WatchBooksRequest{}, MethodImportBooks: &bookpb.ImportBooksRequest{},
		MethodSyncBooks: &bookpb.SyncBooksRequest{},
	}
	httpReq := map[string]any{
		MethodCreateBook: &CreateBookRequest{}, MethodGetBook: &GetBookRequest{},
		MethodListBooks: &ListBooksRequest{}, MethodDeleteBook: &DeleteBookRequest{},
	}
	if len(docs) != 11 { // 4 HTTP routes, 4 unary and 3 streaming gRPC methods
		t.Fatalf("%d docs, want 11", len(docs))
	}
	for _, d := range docs {
		var err error
		switch d.Transport {
		case "grpc":
			err = protojson.Unmarshal(d.RequestExample, grpcReq[d.Name])
		case "http":
			dec := json.NewDecoder(bytes.NewReader(d.RequestExample))
			dec.DisallowUnknownFields()
			err = dec.Decode(httpReq[d.Name])
		}
		if err != nil || len(d.RequestExample) == 0 {
			t.Errorf("%s over %s: example %s: %v", d.Name, d.Transport, d.RequestExample, err)
		}
	}
	if got := grpcReq[MethodCreateBook].(*bookpb.CreateBookRequest).GetBook().GetTitle(); got == "" {
		t.Error("the gRPC CreateBook example sets no title")
	}
}
