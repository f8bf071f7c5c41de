package workbench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// session writes a session file of HTTP exchanges recorded against
// target; each line is "METHOD PATH STATUS BODY".
func session(t *testing.T, target string, lines ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(`{"format":"kitrec","version":1}` + "\n")
	for i, l := range lines {
		f := strings.SplitN(l, " ", 4)
		line, _ := json.Marshal(map[string]any{"id": fmt.Sprint(i + 1), "transport": "http", "target": target,
			"trace_id": fmt.Sprintf("%032x", i+1),
			"request":  map[string]any{"method": f[0], "path": f[1]},
			"response": map[string]any{"status": json.Number(f[2]), "body": map[string]any{"json": json.RawMessage(f[3])}}})
		b.Write(line)
		b.WriteString("\n")
	}
	path := filepath.Join(t.TempDir(), "s.kitrec")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// answering is a loopback HTTP server that answers body to every request
// and counts them.
func answering(t *testing.T, body string) (addr string, count *atomic.Int64) {
	count = new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		count.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), count
}

// TestReplayGuardsWritesByTarget checks each Writes against the target
// the session was recorded against and another one.
func TestReplayGuardsWritesByTarget(t *testing.T) {
	recorded, atRecorded := answering(t, `{}`)
	other, atOther := answering(t, `{}`)
	path := session(t, recorded, `GET /v1/books 200 {}`, `DELETE /v1/books/1 200 {}`)
	ctx := context.Background()
	for _, c := range []struct {
		name    string
		o       ReplayOptions
		count   *atomic.Int64
		sent    int64
		verdict string // RESULT cells
		exit    int    // -1: no error
	}{
		{"the recorded target", ReplayOptions{}, atRecorded, 2, "pass pass", -1},
		{"the recorded target by URL", ReplayOptions{Targets: []string{"http://" + recorded + "/"}}, atRecorded, 2, "pass pass", -1},
		{"another target", ReplayOptions{Targets: []string{other}}, atOther, 0, "skip REFUSED", ExitUsage},
		{"another target, writes allowed", ReplayOptions{Targets: []string{other}, Writes: WritesAllowed}, atOther, 2, "pass pass", -1},
		{"another target, only safe", ReplayOptions{Targets: []string{other}, Writes: WritesSkipped}, atOther, 1, "pass skip", -1},
		{"another target, the DELETE marked safe", ReplayOptions{Targets: []string{other}, Safe: []string{"DELETE /v1/books/*"}}, atOther, 2, "pass pass", -1},
		{"another target, a dry run", ReplayOptions{Targets: []string{other}, Writes: WritesAllowed, DryRun: true}, atOther, 0, "dry-run dry-run", -1},
		{"the recorded target, refused", ReplayOptions{Writes: WritesRefused}, atRecorded, 0, "skip REFUSED", ExitUsage},
	} {
		before := c.count.Load()
		r, err := Replay(ctx, path, c.o)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var b strings.Builder
		if err := WriteReplay(&b, r.Report); err != nil {
			t.Fatal(err)
		}
		var verdicts []string
		for _, l := range strings.Split(b.String(), "\n")[1:] {
			if f := strings.Fields(l); len(f) > 2 && l[0] != ' ' && f[1] != "exchanges:" {
				verdicts = append(verdicts, f[1])
			}
		}
		if got := c.count.Load() - before; got != c.sent || strings.Join(verdicts, " ") != c.verdict || code(r.Verdict(ctx)) != c.exit {
			t.Errorf("%s: %d sent (want %d), verdicts %v (want %s), exit %d (want %d)\n%s", c.name, got, c.sent, verdicts, c.verdict, code(r.Verdict(ctx)), c.exit, b.String())
		}
	}
}

// TestReplayMatchKey checks that MatchKeys (--match-key) pairs array
// elements by the key named: two books swapped are one difference, the
// order of isbn, where an alignment sees one book gone and one added.
func TestReplayMatchKey(t *testing.T) {
	addr, _ := answering(t, `{"books":[{"isbn":"2","title":"b"},{"isbn":"1","title":"a"}]}`)
	path := session(t, addr, `GET /v1/books 200 {"books":[{"isbn":"1","title":"a"},{"isbn":"2","title":"b"}]}`)
	for _, c := range []struct {
		keys []string
		want int
	}{{[]string{"isbn"}, 1}, {nil, 2}} {
		r, err := Replay(context.Background(), path, ReplayOptions{MatchKeys: c.keys})
		if err != nil {
			t.Fatal(err)
		}
		d := r.Report.Results[0].Diffs
		if len(d) != c.want || c.keys != nil && !strings.Contains(d[0].Path, "isbn") {
			t.Errorf("match keys %v: diffs %v, want %d", c.keys, d, c.want)
		}
	}
}

// TestReplayJSONSaysWhatWasNotSent checks -o json's fields for a refused
// exchange, a skipped one and a dry run's request, its headers redacted.
func TestReplayJSONSaysWhatWasNotSent(t *testing.T) {
	addr, _ := answering(t, `{}`)
	path := session(t, "127.0.0.1:1", `GET /v1/books 200 {}`, `DELETE /v1/books/1 200 {}`)
	r, err := Replay(context.Background(), path, ReplayOptions{Targets: []string{addr}})
	if err != nil {
		t.Fatal(err)
	}
	j := NewReplayJSON(r)
	if j.Failed != 1 || j.Skipped != 1 || !j.Results[1].Refused || j.Results[1].OK || j.Results[1].Safety.Safe ||
		j.Results[0].Skipped == "" || j.Results[1].RecordedTraceID != fmt.Sprintf("%032x", 2) {
		t.Errorf("refused: %+v", j)
	}
	r, err = Replay(context.Background(), path, ReplayOptions{Targets: []string{addr}, DryRun: true, Writes: WritesAllowed,
		Headers: http.Header{"Authorization": {"Bearer secret"}}})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteReplayJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	if j := NewReplayJSON(r); !j.DryRun || j.Results[1].Sent == nil || j.Results[1].Sent.Method != "DELETE" ||
		j.Results[1].TraceID == "" || j.Results[1].TraceID == j.Results[1].RecordedTraceID || strings.Contains(b.String(), "secret") {
		t.Errorf("dry run:\n%s", b.String())
	}
	if rep := r.Report; rep.Skipped != 2 || rep.Results[0].Skipped != "dry run" || rep.Results[0].Sent.Headers["Authorization"][0] != "Bearer secret" {
		t.Errorf("the report itself keeps what would be sent: %+v", rep.Results[0])
	}
}

// TestSessionsReplayAsksFirst checks that the dashboard's replay refuses
// writes even where they were recorded, names them, and sends nothing.
func TestSessionsReplayAsksFirst(t *testing.T) {
	addr, count := answering(t, `{}`)
	path := session(t, addr, `GET /v1/books 200 {}`, `DELETE /v1/books/1 200 {}`)
	s := Sessions{Dir: filepath.Dir(path)}
	rep, err := s.Replay(context.Background(), filepath.Base(path), nil, WritesGuarded)
	if err != nil || count.Load() != 0 || len(rep.Refused) != 1 || !strings.HasPrefix(rep.Refused[0], "#2 DELETE /v1/books/1 (") ||
		!rep.Results[1].Refused || rep.Results[0].Skipped == "" || rep.Results[0].OK {
		t.Fatalf("%+v %v, %d sent", rep, err, count.Load())
	}
	rep, err = s.Replay(context.Background(), filepath.Base(path), nil, WritesAllowed)
	if err != nil || count.Load() != 2 || rep.Passed != 2 || rep.Refused != nil {
		t.Fatalf("allowed: %+v %v, %d sent", rep, err, count.Load())
	}
}
