package recorder

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func fixedNow() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }

func sampleExchange(i int) Exchange {
	return Exchange{
		Service: "bookstore", Endpoint: "GetBook", Transport: TransportHTTP, Target: "127.0.0.1:8080",
		Request: Request{Method: "GET", Path: "/v1/books/" + strings.Repeat("0", 15) + string(rune('1'+i%9)),
			Headers: map[string][]string{"Accept": {"application/json"}}},
		Response: Response{Status: 200, Headers: map[string][]string{"Content-Type": {"application/json"}},
			Body: &Body{JSON: json.RawMessage(`{"id": "1", "title": "Dune", "year": 1965}`)}},
		Duration: 1500 * time.Microsecond,
	}
}

func TestWriterRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.kitrec")
	w, err := Create(path, Header{Service: "bookstore", Ignore: []string{"$.create_time"}}, WriteOptions{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := w.Append(sampleExchange(i)); err != nil {
			t.Fatal(err)
		}
	}
	bin := sampleExchange(0)
	bin.Response.Body = NewBody("application/octet-stream", []byte{0, 1, 2, 0xff})
	if err := w.Append(bin); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Append(bin); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close = %v, want ErrClosed", err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	s, err := ReadFile(path, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Errors) != 0 || len(s.Exchanges) != 4 {
		t.Fatalf("read %d exchanges, errors %v", len(s.Exchanges), s.Errors)
	}
	if s.Header.Format != Format || s.Header.Version != 1 || !s.Header.Created.Equal(fixedNow()) || s.Header.Ignore[0] != "$.create_time" {
		t.Errorf("header %+v", s.Header)
	}
	ex := s.Exchanges[0]
	if ex.ID == "" || !ex.Time.Equal(fixedNow()) || ex.Duration != 1500*time.Microsecond || ex.Response.Status != 200 {
		t.Errorf("exchange %+v", ex)
	}
	if got := string(ex.Response.Body.JSON); got != `{"id": "1", "title": "Dune", "year": 1965}` {
		t.Errorf("JSON body kept as %s", got)
	}
	if got := s.Exchanges[3].Response.Body; got.JSON != nil || !bytes.Equal(got.Bytes, []byte{0, 1, 2, 0xff}) {
		t.Errorf("binary body %+v", got)
	}
	raw, _ := os.ReadFile(path)
	if !bytes.Contains(raw, []byte(`"base64":"AAEC/w=="`)) {
		t.Errorf("binary body not stored as base64:\n%s", raw)
	}
	if ids := map[string]bool{}; true {
		for _, e := range s.Exchanges {
			if ids[e.ID] {
				t.Errorf("duplicate id %s", e.ID)
			}
			ids[e.ID] = true
		}
	}
}

func TestWriterConcurrentAppendsDoNotInterleave(t *testing.T) {
	var buf safeBuffer
	w, err := NewWriter(&buf, Header{}, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				_ = w.Append(sampleExchange(g + i))
			}
		}()
	}
	wg.Wait()
	if buf.writes != 1+8*50 {
		t.Errorf("%d Write calls, want one per line (%d)", buf.writes, 1+8*50)
	}
	s, err := Read(bytes.NewReader(buf.b.Bytes()), ReadOptions{})
	if err != nil || len(s.Errors) != 0 || len(s.Exchanges) != 400 {
		t.Fatalf("err %v, %d exchanges, errors %v", err, len(s.Exchanges), s.Errors)
	}
}

type safeBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.b.Write(p)
}

// A crash mid-line leaves a partial last line: reopening appends on a new
// line, so the damage is exactly one bad line and everything else reads.
func TestOpenFileAfterCrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.kitrec")
	w, err := OpenFile(path, Header{Service: "a"}, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := w.Append(sampleExchange(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	cut := raw[:len(raw)-20] // the second exchange loses its end
	if err := os.WriteFile(path, cut, 0o600); err != nil {
		t.Fatal(err)
	}
	w, err = OpenFile(path, Header{Service: "ignored"}, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Append(sampleExchange(5)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := ReadFile(path, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Header.Service != "a" {
		t.Errorf("header rewritten: %+v", s.Header)
	}
	if len(s.Exchanges) != 2 || len(s.Errors) != 1 || s.Errors[0].Line != 3 {
		t.Fatalf("%d exchanges, errors %v; want 2 and one error on line 3", len(s.Exchanges), s.Errors)
	}
	if !strings.Contains(s.Errors[0].Error(), "line 3") || !errors.Is(s.Errors[0], ErrFormat) {
		t.Errorf("error %q", s.Errors[0])
	}
}

func TestOpenFileRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"v2.kitrec":   `{"format":"kitrec","version":2}` + "\n",
		"other.jsonl": `{"format":"har","version":1}` + "\n",
		"notes.txt":   "shopping list\n",
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := OpenFile(path, Header{}, WriteOptions{}); err == nil {
			t.Errorf("%s: OpenFile appended to a file that is not kitrec v1", name)
		}
	}
}

func TestAppendRefusesHugeLine(t *testing.T) {
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, Header{}, WriteOptions{})
	n := buf.Len()
	ex := sampleExchange(0)
	ex.Response.Body = &Body{Bytes: make([]byte, DefaultMaxLine)}
	if err := w.Append(ex); !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("Append = %v, want ErrLineTooLong", err)
	}
	if buf.Len() != n {
		t.Error("a refused line was partly written")
	}
}

// The hand-written encoder writes what encoding/json would.
func TestEncoderMatchesEncodingJSON(t *testing.T) {
	tricky := "q\"b\\s\n\r\t\x01\x1f<&> \u2028\u2029 \xff\xfe é 日本 🙂"
	exs := []Exchange{
		sampleExchange(0),
		{ID: tricky, Time: time.Date(2026, 1, 2, 3, 4, 5, 600, time.FixedZone("x", 3600)), Service: tricky, Endpoint: "E",
			Instance: "i", Transport: TransportGRPC, Target: "t", TraceID: "tr", Duration: -5, Error: tricky,
			Request: Request{GRPCMethod: "/a.B/C", Headers: map[string][]string{tricky: {tricky, ""}, "b": {}, "a": nil},
				Body: &Body{JSON: json.RawMessage("{\n\"a\" :\r\n [1, 2.50, \"x\\ny\"]\n}\n")}},
			Response: Response{Status: 0, GRPCCode: 5, GRPCMessage: tricky, Trailers: map[string][]string{"k": {"v"}},
				Body: &Body{Bytes: []byte{0, 1, 2}, Truncated: true, Size: 99}}},
		{Transport: TransportHTTP, Request: Request{Body: &Body{}}, Response: Response{Body: &Body{Truncated: true}}},
		{Transport: TransportGRPC, Stream: &Stream{Kind: StreamBidi, Cancelled: true},
			Request:  Request{Messages: []Message{{Offset: 3, Body: &Body{JSON: json.RawMessage(`{"a":1}`)}}, {}}, Dropped: 2},
			Response: Response{Messages: []Message{{Body: &Body{Bytes: []byte{1}, Truncated: true, Size: 9}}}, Dropped: 1}},
		{Transport: TransportGRPC, Stream: &Stream{}},
	}
	for i, ex := range exs {
		mine, err := appendExchange(nil, &ex, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.ContainsAny(mine, "\n\r") {
			t.Errorf("%d: line break in %s", i, mine)
		}
		theirs, err := json.Marshal(&ex)
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		if err := json.Unmarshal(mine, &a); err != nil {
			t.Fatalf("%d: %v in %s", i, err, mine)
		}
		if err := json.Unmarshal(theirs, &b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%d:\nmine   %s\ntheirs %s", i, mine, theirs)
		}
	}
	bad := Exchange{Transport: TransportHTTP, Response: Response{Body: &Body{JSON: json.RawMessage(`{"a":`)}}}
	if _, err := appendExchange(nil, &bad, nil, nil, nil); !errors.Is(err, ErrFormat) {
		t.Errorf("invalid JSON body: %v", err)
	}
}

func (s *safeBuffer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}
