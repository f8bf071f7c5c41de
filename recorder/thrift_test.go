package recorder_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/recorder"
)

// thriftSession is a session as an exchange ring answers it: an HTTP
// GET and a Thrift call.
func thriftSession(t *testing.T) *recorder.Session {
	t.Helper()
	var buf bytes.Buffer
	w, err := recorder.NewWriter(&buf, recorder.Header{Service: "bookstore"}, recorder.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range []recorder.Exchange{
		{ID: "h", Transport: recorder.TransportHTTP, Request: recorder.Request{Method: "GET", Path: "/v1/books"},
			Response: recorder.Response{Status: 200, Body: &recorder.Body{JSON: []byte(`{"books":[]}`)}}},
		{ID: "t", Transport: recorder.TransportThrift, Endpoint: "CreateBook", Target: "127.0.0.1:1",
			Thrift:   &recorder.ThriftCall{Method: "CreateBook", Protocol: "binary", SeqID: 3, Reply: "reply", Exception: "3:failed"},
			Request:  recorder.Request{Body: &recorder.Body{JSON: []byte(`{"1:req":{"1:book":{"2:title":"Dune","9:password":"hunter2"}}}`)}},
			Response: recorder.Response{Status: 503, Reason: "breaker_open", Body: &recorder.Body{JSON: []byte(`{"3:failed":{"1:status":503}}`)}}},
	} {
		if err := w.Append(ex); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "hunter2") {
		t.Errorf("a named secret of a Thrift body was written:\n%s", buf.String())
	}
	s, err := recorder.Read(&buf, recorder.ReadOptions{})
	if err != nil || len(s.Errors) > 0 || len(s.Exchanges) != 2 {
		t.Fatalf("the session does not read back: %v %v", err, s)
	}
	return s
}

// TestThriftExchangeReadsBack: a Thrift exchange keeps its call through
// writing and reading, in a 1.2 session; a "thrift" line without its
// call is refused as a bad line.
func TestThriftExchangeReadsBack(t *testing.T) {
	s := thriftSession(t)
	ex := s.Exchanges[1]
	if s.Header.Minor != 2 || ex.Thrift == nil || !reflect.DeepEqual(*ex.Thrift, recorder.ThriftCall{Method: "CreateBook", Protocol: "binary", SeqID: 3, Reply: "reply", Exception: "3:failed"}) ||
		ex.Response.Reason != "breaker_open" || ex.Name() != "thrift CreateBook" {
		t.Errorf("read back: minor %d, %+v %+v, name %q", s.Header.Minor, ex, ex.Thrift, ex.Name())
	}
	bad := `{"format":"kitrec","version":1,"minor":2}` + "\n" + `{"id":"x","transport":"thrift","request":{},"response":{}}` + "\n"
	s, err := recorder.Read(strings.NewReader(bad), recorder.ReadOptions{})
	if err != nil || len(s.Errors) != 1 || !errors.Is(s.Errors[0], recorder.ErrFormat) {
		t.Errorf("a thrift line without \"thrift\": %v %v, want one bad line", err, s.Errors)
	}
}

// TestReplaySkipsThrift: replay does not send a Thrift exchange of a 1.2
// file written before request types were recorded, says why on its row
// and counts it neither passed nor failed; refusing writes is not set
// off by it, and an update leaves it as it was.
func TestReplaySkipsThrift(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"books":[]}`))
	})
	for _, writes := range []recorder.Writes{recorder.WritesAllow, recorder.WritesRefuse, recorder.WritesSkip} {
		s := thriftSession(t)
		rp, err := recorder.NewReplayer(recorder.HandlerTarget(h), recorder.ReplayOptions{Writes: writes})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := rp.Replay(context.Background(), s)
		if err != nil {
			t.Fatalf("writes %v: %v", writes, err)
		}
		th := rep.Results[1]
		if rep.Passed != 1 || rep.Failed != 0 || rep.Skipped != 1 || th.Skipped != recorder.ThriftNotReplayed || th.Err != nil ||
			!strings.Contains(th.Explain(), "thrift CreateBook: skipped: not replayed: recorded without its request's Thrift types") {
			t.Errorf("writes %v: %+v, row %q", writes, rep, th.Explain())
		}
	}
	s := thriftSession(t)
	want := s.Exchanges[1]
	rp, err := recorder.NewReplayer(recorder.HandlerTarget(h), recorder.ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rp.Update(context.Background(), s, "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := s.Exchanges[1]; got.History != nil || got.Response.Status != want.Response.Status || len(s.Exchanges[0].History) != 1 {
		t.Errorf("after an update: thrift %+v (history %v), http history %d; want the Thrift exchange as it was", got.Response, got.History, len(s.Exchanges[0].History))
	}
}
