package recorder_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/examples/bookstore/booktest"
	kitthrift "github.com/kitbench/kitbench/kit/transport/thrift"
	"github.com/kitbench/kitbench/recorder"
)

// createIgnore is what a replayed CreateBook may change: the new book's
// id and creation time.
var createIgnore = []string{`$["0:success"]["1:id"]`, `$["0:success"]["5:create_time_unix_nano"]`}

// thriftIncident makes booktest.ThriftCalls on inst and returns its
// ring's session of them, checked to hold each call with the request's
// types: CreateBook (binary), GetBook (compact), GetBook of a missing
// book (binary, NotFound).
func thriftIncident(t *testing.T, inst *bookstore.Instance) *recorder.Session {
	t.Helper()
	booktest.ThriftCalls(t, inst)
	raw := booktest.Ring(t, inst)
	s, err := recorder.Read(bytes.NewReader(raw), recorder.ReadOptions{})
	if err != nil || len(s.Errors) > 0 || len(s.Exchanges) != 3 {
		t.Fatalf("the ring's session: %v %v\n%s", err, s, raw)
	}
	for i, want := range []string{"binary", "compact", "binary"} {
		tc := s.Exchanges[i].Thrift
		if tc == nil || tc.Protocol != want || len(tc.RequestTypes) == 0 {
			t.Fatalf("exchange %d: %+v, want a %s call with its request's types\n%s", i, tc, want, raw)
		}
	}
	if got := string(s.Exchanges[1].Thrift.RequestTypes); got != `{"1":{"struct":{"1":"string"}}}` {
		t.Errorf("GetBook's request types %s", got)
	}
	return s
}

func replayer(t *testing.T, target recorder.Target, o recorder.ReplayOptions) *recorder.Replayer {
	t.Helper()
	o.Ignore = append(o.Ignore, createIgnore...)
	rp, err := recorder.NewReplayer(target, o)
	if err != nil {
		t.Fatal(err)
	}
	return rp
}

// TestThriftReplay: Thrift calls kept by the ring replay against the
// instance they came from and pass, each sent in its recorded protocol
// (the ring sees the replayed calls as binary, compact, binary again)
// with its own sequence id; against an instance whose store holds
// another book under the same id, GetBook fails naming the field.
func TestThriftReplay(t *testing.T) {
	inst := booktest.StartThrift(t, "bookstore-t")
	s := thriftIncident(t, inst)
	rep, err := replayer(t, recorder.ThriftTarget(inst.ThriftAddr), recorder.ReplayOptions{}).Replay(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Passed != 3 || rep.Failed != 0 || rep.Skipped != 0 {
		for i := range rep.Results {
			t.Log(rep.Results[i].Explain())
		}
		t.Fatalf("against the same instance: %d passed, %d failed, %d skipped; want 3 passed", rep.Passed, rep.Failed, rep.Skipped)
	}
	again, err := recorder.Read(bytes.NewReader(booktest.Ring(t, inst)), recorder.ReadOptions{})
	if err != nil || len(again.Exchanges) != 6 {
		t.Fatalf("the ring after the replay: %v, %d exchanges; want the 3 replayed calls after the 3 recorded", err, len(again.Exchanges))
	}
	for i, ex := range again.Exchanges[3:] {
		rec := s.Exchanges[i]
		if ex.Thrift.Method != rec.Thrift.Method || ex.Thrift.Protocol != rec.Thrift.Protocol || ex.Response.Status != rec.Response.Status {
			t.Errorf("replayed call %d as the server saw it: %+v status %d; recorded %+v status %d", i, *ex.Thrift, ex.Response.Status, *rec.Thrift, rec.Response.Status)
		}
	}

	other := booktest.StartThrift(t, "bookstore-u")
	if _, err := booktest.ThriftClient(t, other.ThriftAddr, kitthrift.Binary).CreateBook(context.Background(),
		bookstore.CreateBookRequest{Title: "Emma", Author: "Jane Austen", Year: 1815}); err != nil {
		t.Fatal(err)
	}
	rp := replayer(t, recorder.ThriftTarget(other.ThriftAddr), recorder.ReplayOptions{})
	get := rp.One(context.Background(), &s.Exchanges[1], mustIgnore(t))
	if get.OK() || !strings.Contains(get.Explain(), `$["0:success"]["2:title"]: want "Dune", got "Emma"`) {
		t.Errorf("GetBook against a changed store: %s", get.Explain())
	}
	if missing := rp.One(context.Background(), &s.Exchanges[2], mustIgnore(t)); !missing.OK() {
		t.Errorf("the NotFound exception against the other instance: %s", missing.Explain())
	}
}

func mustIgnore(t *testing.T) []recorder.Path {
	t.Helper()
	ps, err := recorder.CompileIgnore(createIgnore)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// TestThriftReplayUpdate: an update rewrites the Thrift expectations from
// the chosen target, keeping the recorded ones as history and the call's
// reply in step (a success became a declared exception, whose fields the
// recorded success could not name, so they are keyed by id); the
// session then passes there and fails where it was recorded.
func TestThriftReplayUpdate(t *testing.T) {
	inst := booktest.StartThrift(t, "bookstore-t")
	s := thriftIncident(t, inst)
	s.Exchanges = s.Exchanges[1:] // the two GetBook calls
	good := booktest.StartThrift(t, "bookstore-u")
	// good has no book: GetBook is a NotFound there.
	rep, err := replayer(t, recorder.ThriftTarget(good.ThriftAddr), recorder.ReplayOptions{}).Update(context.Background(), s, "thrift://"+good.ThriftAddr, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	get := s.Exchanges[0]
	if rep.Failed != 1 || len(get.History) != 1 || get.History[0].Response.Status != 200 || get.History[0].ReplacedBy != "thrift://"+good.ThriftAddr ||
		get.Response.Status != 0 || get.Thrift.Reply != "reply" || get.Thrift.Exception != "1" ||
		!bytes.Contains(get.Response.Body.JSON, []byte(`{"1":{"1":"book not found"}}`)) {
		t.Fatalf("GetBook after the update: %+v %+v history %+v (report: %d failed)", get.Response, *get.Thrift, get.History, rep.Failed)
	}
	var buf bytes.Buffer
	w, err := recorder.NewWriter(&buf, s.Header, recorder.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range s.Exchanges {
		if err := w.Append(ex); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = recorder.Read(&buf, recorder.ReadOptions{})
	if err != nil || len(s.Exchanges) != 2 || len(s.Exchanges[0].History) != 1 || s.Exchanges[0].Thrift.Exception != "1" {
		t.Fatalf("the updated session does not read back: %v %+v", err, s)
	}
	if rep, _ := replayer(t, recorder.ThriftTarget(good.ThriftAddr), recorder.ReplayOptions{}).Replay(context.Background(), s); rep.Passed != 2 {
		t.Errorf("against the target it was updated from: %d of 2 passed", rep.Passed)
	}
	if rep, _ := replayer(t, recorder.ThriftTarget(inst.ThriftAddr), recorder.ReplayOptions{}).Replay(context.Background(), s); rep.Failed != 1 || rep.Results[0].OK() ||
		!strings.Contains(rep.Results[0].Explain(), "$.0: unexpected") {
		t.Errorf("against the instance that has the book: %d failed, want GetBook's: %s", rep.Failed, rep.Results[0].Explain())
	}
}

// TestThriftReplaySafety: a Thrift call is a write unless a safe pattern
// names its method: refusing writes sends none of the session, naming
// each; with patterns for every method it is all sent.
func TestThriftReplaySafety(t *testing.T) {
	inst := booktest.StartThrift(t, "bookstore-t")
	s := thriftIncident(t, inst)
	_, err := replayer(t, recorder.ThriftTarget(inst.ThriftAddr), recorder.ReplayOptions{Writes: recorder.WritesRefuse}).Replay(context.Background(), s)
	var ue *recorder.UnsafeError
	if !errors.As(err, &ue) || len(ue.Exchanges) != 3 || !strings.Contains(ue.Exchanges[0], "#1 thrift CreateBook (Thrift marks no method read-only") {
		t.Fatalf("refusing writes: %v", err)
	}
	_, err = replayer(t, recorder.ThriftTarget(inst.ThriftAddr), recorder.ReplayOptions{Writes: recorder.WritesRefuse, Safe: []string{"GetBook"}}).Replay(context.Background(), s)
	if !errors.As(err, &ue) || len(ue.Exchanges) != 1 {
		t.Fatalf("GetBook marked safe: %v, want only CreateBook refused", err)
	}
	rep, err := replayer(t, recorder.ThriftTarget(inst.ThriftAddr), recorder.ReplayOptions{Writes: recorder.WritesSkip, Safe: []string{"Get*"}}).Replay(context.Background(), s)
	if err != nil || rep.Passed != 2 || rep.Skipped != 1 || !strings.HasPrefix(rep.Results[0].Skipped, "unsafe: ") || rep.Results[1].Safety.Why != "safe pattern Get*" {
		t.Fatalf("skipping writes: %v %+v", err, rep)
	}
}

// TestThriftReplayErrors: what cannot be sent is an error naming why: a
// value that no longer fits its recorded type, types that do not read
// (and a writer refuses ones that are not an object), a request cut when
// recorded, no address; an instance that is gone is unreachable.
func TestThriftReplayErrors(t *testing.T) {
	inst := booktest.StartThrift(t, "bookstore-t")
	s := thriftIncident(t, inst)
	rp := replayer(t, recorder.ThriftTarget(inst.ThriftAddr), recorder.ReplayOptions{})
	ex := s.Exchanges[1]
	ex.Request.Body = &recorder.Body{JSON: []byte(`{"1:req":{"1:id":7}}`)}
	if res := rp.One(context.Background(), &ex, nil); !errors.Is(res.Err, recorder.ErrReplay) || !strings.Contains(res.Err.Error(), `$["1:req"]["1:id"]: a number is no string`) {
		t.Errorf("a misfit value: %v", res.Err)
	}
	bad := *ex.Thrift
	bad.RequestTypes = []byte(`{"1":"int"}`)
	typed := s.Exchanges[1]
	typed.Thrift = &bad
	if res := rp.One(context.Background(), &typed, nil); !errors.Is(res.Err, recorder.ErrReplay) || !strings.Contains(res.Err.Error(), `request_types: thriftwire: bad type descriptor: unknown type "int"`) {
		t.Errorf("types that do not read: %v", res.Err)
	}
	var buf bytes.Buffer
	w, err := recorder.NewWriter(&buf, recorder.Header{}, recorder.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bad.RequestTypes = []byte(`["i32"]`)
	if err := w.Append(typed); !errors.Is(err, recorder.ErrFormat) {
		t.Errorf("writing request_types that are no object: %v, want ErrFormat", err)
	}
	ex.Request.Body = &recorder.Body{Truncated: true, Size: 1 << 20}
	if res := rp.One(context.Background(), &ex, nil); !errors.Is(res.Err, recorder.ErrReplay) || !strings.Contains(res.Err.Error(), "truncated") {
		t.Errorf("a truncated request: %v", res.Err)
	}
	if res := replayer(t, recorder.ThriftTarget(""), recorder.ReplayOptions{}).One(context.Background(), &s.Exchanges[1], nil); !errors.Is(res.Err, recorder.ErrReplay) ||
		!strings.Contains(res.Err.Error(), "thrift://host:port") {
		t.Errorf("no address: %v", res.Err)
	}
	gone := booktest.StartThrift(t, "bookstore-g")
	addr := gone.ThriftAddr
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := gone.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if res := replayer(t, recorder.ThriftTarget(addr), recorder.ReplayOptions{}).One(context.Background(), &s.Exchanges[1], nil); !errors.Is(res.Err, recorder.ErrUnreachable) {
		t.Errorf("an instance that is gone: %v, want ErrUnreachable", res.Err)
	}
}
