package recorder_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/redacttest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// watchExchange builds a cancelled server stream with StreamRecorder, as
// capture does: one request, three responses, a bound of four messages
// that drops the last one.
func watchExchange() recorder.Exchange {
	sr := recorder.NewStreamRecorder(recorder.Exchange{Time: t0, Endpoint: "WatchBooks",
		Request: recorder.Request{GRPCMethod: "/bookstore.v1.BookService/WatchBooks", Headers: map[string][]string{"x-req": {"r"}}}},
		recorder.StreamServer, recorder.StreamLimits{Messages: 4})
	sr.Request(t0.Add(time.Millisecond), &recorder.Body{JSON: []byte(`{}`)})
	for i, title := range []string{"Dune", "Emma", "Kim", "Ulysses"} {
		b, _ := recorder.JSONBody(map[string]any{"type": "TYPE_EXISTING", "book": map[string]any{"title": title}})
		if i == 3 && !sr.Full() {
			panic("the recorder has room for a fifth message")
		}
		sr.Response(t0.Add(time.Duration(2+i)*time.Millisecond), b)
	}
	ex := sr.Done(t0.Add(10*time.Millisecond), status.Error(codes.Canceled, "gone"),
		map[string][]string{"x-h": {"h"}}, map[string][]string{"x-t": {"t"}}, true)
	sr.Response(t0.Add(11*time.Millisecond), &recorder.Body{JSON: []byte(`{"late":true}`)}) // after Done: ignored
	return ex
}

// TestStreamRoundTrip writes a stream exchange and reads it back whole:
// kind, cancellation, messages each way with their offsets and bodies,
// the count of dropped ones, metadata both ways and the status.
func TestStreamRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.kitrec")
	w, err := recorder.Create(path, recorder.Header{}, recorder.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Append(watchExchange()); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := recorder.ReadFile(path, recorder.ReadOptions{})
	if err != nil || len(s.Errors) > 0 || len(s.Exchanges) != 1 {
		t.Fatalf("read: %v %v %d", err, s.Errors, len(s.Exchanges))
	}
	if s.Header.Minor != recorder.MinorVersion || s.Note != "" {
		t.Errorf("header minor %d, note %q", s.Header.Minor, s.Note)
	}
	ex := s.Exchanges[0]
	if !ex.IsStream() || ex.Stream.Kind != recorder.StreamServer || !ex.Stream.Cancelled {
		t.Errorf("stream %+v", ex.Stream)
	}
	if ex.Transport != recorder.TransportGRPC || ex.Duration != 10*time.Millisecond || ex.Request.Body != nil || ex.Response.Body != nil {
		t.Errorf("exchange %+v", ex)
	}
	req, resp := ex.Request.Messages, ex.Response.Messages
	if len(req) != 1 || req[0].Offset != time.Millisecond || string(req[0].Body.JSON) != `{}` || ex.Request.Dropped != 0 {
		t.Errorf("request messages %+v dropped %d", req, ex.Request.Dropped)
	}
	if len(resp) != 3 || ex.Response.Dropped != 1 {
		t.Fatalf("response messages %d, dropped %d; want 3 and 1", len(resp), ex.Response.Dropped)
	}
	for i, m := range resp {
		if m.Offset != time.Duration(2+i)*time.Millisecond {
			t.Errorf("message %d offset %v", i, m.Offset)
		}
	}
	if !bytes.Contains(resp[2].Body.JSON, []byte(`"Kim"`)) {
		t.Errorf("third message %s", resp[2].Body.JSON)
	}
	r := ex.Response
	if r.GRPCCode != int(codes.Canceled) || r.Headers["x-h"][0] != "h" || r.Trailers["x-t"][0] != "t" || ex.Request.Headers["x-req"][0] != "r" {
		t.Errorf("status and metadata %+v / %v", r, ex.Request.Headers)
	}
}

// TestReadOlderAndNewerMinors reads a version 1.0 file (no minor, no
// stream) as it always read, and a file of a later minor version with
// fields this reader does not know, with a note saying so.
func TestReadOlderAndNewerMinors(t *testing.T) {
	v10 := `{"format":"kitrec","version":1,"created":"2026-03-01T12:00:00Z"}
{"id":"a-1","transport":"grpc","request":{"grpc_method":"/p.S/M","body":{"json":{"id":"1"}}},"response":{"body":{"json":{"title":"Dune"}}},"duration_ns":5}
`
	s, err := recorder.Read(strings.NewReader(v10), recorder.ReadOptions{})
	if err != nil || len(s.Exchanges) != 1 || s.Note != "" || s.Exchanges[0].IsStream() {
		t.Fatalf("1.0 file: %v %+v", err, s)
	}
	newer := `{"format":"kitrec","version":1,"minor":7,"future_header":true}
{"id":"a-1","transport":"grpc","stream":{"kind":"bidi","future":1},"request":{"grpc_method":"/p.S/M","messages":[{"offset_ns":1,"body":{"json":{}},"future":2}]},"response":{"messages":[{"offset_ns":2,"body":{"json":{"a":1}}}]},"duration_ns":5,"future_field":[1]}
`
	s, err = recorder.Read(strings.NewReader(newer), recorder.ReadOptions{})
	if err != nil || len(s.Errors) > 0 || len(s.Exchanges) != 1 {
		t.Fatalf("1.7 file: %v %+v", err, s)
	}
	if !strings.Contains(s.Note, "1.7") || !strings.Contains(s.Note, "ignored") {
		t.Errorf("note %q", s.Note)
	}
	if ex := s.Exchanges[0]; ex.Stream.Kind != recorder.StreamBidi || len(ex.Response.Messages) != 1 {
		t.Errorf("exchange %+v", ex)
	}
}

// TestReadRefusesMisreadStreams refuses, as one bad line each, messages on
// an exchange not marked as a stream, a message with both body forms, and
// a stream over HTTP; the good line between them is read.
func TestReadRefusesMisreadStreams(t *testing.T) {
	in := `{"format":"kitrec","version":1,"minor":1}
{"id":"1","transport":"grpc","request":{"messages":[{"offset_ns":1}]},"response":{},"duration_ns":0}
{"id":"2","transport":"grpc","stream":{},"request":{},"response":{"messages":[{"offset_ns":1,"body":{"json":{},"base64":"AA=="}}]},"duration_ns":0}
{"id":"3","transport":"grpc","stream":{},"request":{},"response":{},"duration_ns":0}
{"id":"4","transport":"http","stream":{},"request":{},"response":{},"duration_ns":0}
`
	s, err := recorder.Read(strings.NewReader(in), recorder.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Exchanges) != 1 || s.Exchanges[0].ID != "3" || len(s.Errors) != 3 {
		t.Fatalf("read %d exchanges, %d errors: %v", len(s.Exchanges), len(s.Errors), s.Errors)
	}
	for _, le := range s.Errors {
		if !errors.Is(le, recorder.ErrFormat) {
			t.Errorf("line %d: %v", le.Line, le)
		}
	}
}

// TestRedactionCorpusStreams records the corpus cases that a stream can
// carry: metadata cases in a stream's request and response metadata and
// trailers, and body cases as messages each way (JSON cases as JSON,
// form and text cases as bytes), through Writer.Append. The file holds
// no secret and every non-secret.
func TestRedactionCorpusStreams(t *testing.T) {
	path := filepath.Join(t.TempDir(), "corpus.kitrec")
	w, err := recorder.Create(path, recorder.Header{Service: "redacttest"}, recorder.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cases := redacttest.Select(redacttest.Metadata, redacttest.JSON, redacttest.Form, redacttest.Text)
	for _, c := range cases {
		sr := recorder.NewStreamRecorder(recorder.Exchange{Endpoint: c.Name,
			Request: recorder.Request{GRPCMethod: "/redacttest.Cases/" + c.Name, Headers: map[string][]string{}}},
			recorder.StreamBidi, recorder.StreamLimits{})
		var hdr, trl map[string][]string
		if c.Where == redacttest.Metadata {
			hdr, trl = map[string][]string{c.Key: {c.Value}}, map[string][]string{c.Key: {c.Value}}
			sr = recorder.NewStreamRecorder(recorder.Exchange{Endpoint: c.Name,
				Request: recorder.Request{GRPCMethod: "/redacttest.Cases/" + c.Name, Headers: map[string][]string{c.Key: {c.Value}}}},
				recorder.StreamBidi, recorder.StreamLimits{})
		} else {
			ex := c.Exchange() // the case's body, as JSON or bytes by its content type
			for i := 0; i < 3; i++ {
				sr.Request(time.Now(), ex.Request.Body)
				sr.Response(time.Now(), ex.Response.Body)
			}
		}
		if err := w.Append(sr.Done(time.Now(), nil, hdr, trl, false)); err != nil {
			t.Fatalf("case %s: %v", c.Name, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text, err := redacttest.SessionText(raw)
	if err != nil {
		t.Fatal(err)
	}
	redacttest.Check(t, "recorded streams", text, cases)
}
