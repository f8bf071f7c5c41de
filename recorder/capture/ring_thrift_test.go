package capture_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	kitthrift "github.com/kitbench/kitbench/kit/transport/thrift"
	"github.com/kitbench/kitbench/recorder"
)

// startThriftBooks runs a Book instance with a Thrift listener (and its
// exchange ring on) until the test ends.
func startThriftBooks(t *testing.T) *bookstore.Instance {
	t.Helper()
	inst, err := bookstore.Start(bookstore.Config{InstanceID: "bookstore-t", RateLimit: 1e6, Burst: 1 << 20, ThriftAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = inst.Shutdown(ctx)
	})
	return inst
}

func thriftBooks(t *testing.T, addr string, p kitthrift.Protocol) bookstore.Endpoints {
	t.Helper()
	pool := kitthrift.NewPool(addr, kitthrift.PoolConfig{Protocol: p})
	t.Cleanup(func() { _ = pool.Close() })
	return bookstore.NewThriftClient(pool)
}

// TestRingThriftExchanges calls the Book service over loopback Thrift, in
// both protocols, and reads /exchanges: each call is there with its
// method, status, reason and messages decoded as JSON with the IDL's
// field names; a declared exception shows which one and its fields; a
// request larger than a slot is marked truncated, never rendered in part.
func TestRingThriftExchanges(t *testing.T) {
	inst := startThriftBooks(t)
	ctx := context.Background()
	bin, compact := thriftBooks(t, inst.ThriftAddr, kitthrift.Binary), thriftBooks(t, inst.ThriftAddr, kitthrift.Compact)
	created, err := bin.CreateBook(ctx, bookstore.CreateBookRequest{Title: "Ring", Author: "Ada", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	id := created.(bookstore.Book).ID
	if _, err := compact.GetBook(ctx, bookstore.GetBookRequest{ID: id}); err != nil {
		t.Fatal(err)
	}
	if _, err := bin.GetBook(ctx, bookstore.GetBookRequest{ID: "missing"}); err == nil {
		t.Fatal("GetBook of a missing book succeeded")
	}
	big := strings.Repeat("t", 20<<10) // over the default 7 KiB slot
	if _, err := bin.CreateBook(ctx, bookstore.CreateBookRequest{Title: big}); err == nil {
		t.Fatal("a 20 KiB title was taken") // the service allows 512 bytes: InvalidArgument
	}

	s, raw, _ := exchanges(t, inst.AdminAddr, "limit=100")
	if len(s.Exchanges) != 4 {
		t.Fatalf("%d exchanges, want the 4 Thrift calls:\n%s", len(s.Exchanges), raw)
	}
	for _, ex := range s.Exchanges {
		if ex.Transport != recorder.TransportThrift || ex.Thrift == nil || ex.Instance != "bookstore-t" || ex.Duration <= 0 {
			t.Fatalf("exchange %+v: want a Thrift exchange of bookstore-t with its duration", ex)
		}
	}
	create, get, missing, cut := s.Exchanges[0], s.Exchanges[1], s.Exchanges[2], s.Exchanges[3]

	if create.Endpoint != "CreateBook" || create.Thrift.Protocol != "binary" || create.Thrift.Reply != "reply" ||
		create.Response.Status != 200 || create.Thrift.Exception != "" {
		t.Errorf("CreateBook: %+v %+v", create, *create.Thrift)
	}
	if got := string(create.Thrift.RequestTypes); got != `{"1":{"struct":{"1":{"struct":{"1":"string","2":"string","3":"string","4":"i32","5":"i64"}}}}}` {
		t.Errorf("CreateBook's request types %s: want those of its arguments, for replay", got)
	}
	wantJSON(t, "CreateBook request", create.Request.Body, `{"1:req":{"1:book":{"1:id":"","2:title":"Ring","3:author":"Ada","4:year":2026,"5:create_time_unix_nano":0}}}`)
	if b := get.Response.Body; get.Thrift.Protocol != "compact" || b == nil || !bytes.Contains(b.JSON, []byte(`"0:success":{"1:id":"`+id+`"`)) {
		t.Errorf("GetBook over compact: %+v, response %s", *get.Thrift, bodyText(b))
	}
	if missing.Response.Status != 404 || missing.Thrift.Exception != "1:not_found" || missing.Thrift.Reply != "reply" {
		t.Errorf("GetBook of a missing book: status %d, %+v; want 404 and the not_found exception", missing.Response.Status, *missing.Thrift)
	}
	wantJSON(t, "NotFound", missing.Response.Body, `{"1:not_found":{"1:message":"book not found"}}`)

	if b := cut.Request.Body; b == nil || !b.Truncated || b.JSON != nil || b.Bytes != nil || b.Size <= int64(len(big)) {
		t.Errorf("a request over a slot: body %+v; want it marked truncated with its size, and nothing rendered", b)
	}
	if cut.Thrift.RequestTypes != nil {
		t.Errorf("a truncated request has types %s; they were read from a part of it", cut.Thrift.RequestTypes)
	}
	if cut.Thrift.Method != "CreateBook" || cut.Thrift.SeqID == 0 || cut.Thrift.Exception != "2:invalid" || cut.Response.Status != 400 {
		t.Errorf("a truncated request still names its call: %+v", *cut.Thrift)
	}
	if strings.Contains(string(raw), "tttttttt") {
		t.Error("a part of the truncated request is in /exchanges")
	}
	if inst.Exchanges.Stats().Truncated != 1 {
		t.Errorf("stats %+v: want the one truncated exchange counted", inst.Exchanges.Stats())
	}
	if s, _, _ := exchanges(t, inst.AdminAddr, "endpoint=GetBook"); len(s.Exchanges) != 2 {
		t.Errorf("?endpoint=GetBook: %d exchanges, want 2", len(s.Exchanges))
	}
}

// TestRingThriftReasons: over Thrift, a failure the service chose is kept
// among the failures with its status and reason, as the server gave them.
func TestRingThriftReasons(t *testing.T) {
	inst, err := bookstore.Start(bookstore.Config{InstanceID: "bookstore-r", ThriftAddr: "127.0.0.1:0", RateLimit: 0.001, Burst: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = inst.Shutdown(ctx)
	}()
	e := thriftBooks(t, inst.ThriftAddr, kitthrift.Binary)
	ctx := context.Background()
	_, _ = e.ListBooks(ctx, bookstore.ListBooksRequest{})
	if _, err := e.ListBooks(ctx, bookstore.ListBooksRequest{}); err == nil {
		t.Fatal("a call over the rate limit succeeded")
	}
	s, raw, _ := exchanges(t, inst.AdminAddr, "limit=10")
	if len(s.Exchanges) != 2 {
		t.Fatalf("%d exchanges, want 2:\n%s", len(s.Exchanges), raw)
	}
	limited := s.Exchanges[1]
	if limited.Response.Status != 429 || limited.Response.Reason != "rate_limited" || limited.Thrift.Exception != "3:failed" {
		t.Errorf("rate limited call: status %d reason %q %+v", limited.Response.Status, limited.Response.Reason, *limited.Thrift)
	}
	if !bytes.Contains(mustJSON(t, limited.Response.Body), []byte(`"4:reason":"rate_limited"`)) {
		t.Errorf("ServiceError body %s: want its reason field", limited.Response.Body.JSON)
	}
}

func wantJSON(t *testing.T, what string, b *recorder.Body, want string) {
	t.Helper()
	if b == nil || b.JSON == nil {
		t.Errorf("%s: body %s, want JSON %s", what, bodyText(b), want)
		return
	}
	var got, exp any
	if err := json.Unmarshal(b.JSON, &got); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("%s: want: %v", what, err)
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(exp)
	if !bytes.Equal(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func mustJSON(t *testing.T, b *recorder.Body) []byte {
	t.Helper()
	if b == nil || !json.Valid(b.JSON) {
		t.Fatalf("body %s is no JSON", bodyText(b))
	}
	return b.JSON
}

func bodyText(b *recorder.Body) string {
	if b == nil {
		return "<none>"
	}
	j, _ := json.Marshal(b)
	return string(j)
}
