package workbench

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/recorder"
)

// TestWriteReplayAlignsAfterDiffs checks that the TIME column starts at
// the same place in every row, before and after a row with differences
// under it, and that differences are indented under their row.
func TestWriteReplayAlignsAfterDiffs(t *testing.T) {
	rep := &recorder.Report{Passed: 2, Failed: 1, Results: []recorder.Result{
		{Index: 0, Name: "GET /v1/books", Duration: time.Millisecond},
		{Index: 1, Name: "DELETE /v1/books/0000000000000001", Duration: 2 * time.Millisecond,
			Diffs: []recorder.Diff{{Path: "$.status", Want: "200", Got: "404"}}},
		{Index: 2, Name: "GET /v1/books/0000000000000002", Duration: 3 * time.Millisecond},
	}}
	var b strings.Builder
	if err := WriteReplay(&b, rep); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines:\n%s", len(lines), b.String())
	}
	col := strings.Index(lines[0], "TIME")
	for i, want := range map[int]string{1: "1ms", 2: "2ms", 4: "3ms"} {
		if len(lines[i]) < col || lines[i][col:] != want {
			t.Errorf("row %q: TIME %s is not at column %d:\n%s", lines[i], want, col, b.String())
		}
	}
	if ex := strings.Index(lines[0], "EXCHANGE"); lines[3] != strings.Repeat(" ", ex+4)+"$.status: want 200, got 404" {
		t.Errorf("diff line %q is not indented under EXCHANGE:\n%s", lines[3], b.String())
	}
	if lines[5] != "3 exchanges: 2 passed, 1 failed" {
		t.Errorf("summary %q", lines[5])
	}
}

// TestWriteReplaySaysASharedErrorOnce checks that 13 exchanges refused by
// an unreachable target give the error once, with the count.
func TestWriteReplaySaysASharedErrorOnce(t *testing.T) {
	refused := fmt.Errorf("%w: dial tcp 127.0.0.1:1: connect: connection refused", recorder.ErrUnreachable)
	rep := &recorder.Report{Failed: 14}
	for i := range 13 {
		rep.Results = append(rep.Results, recorder.Result{Index: i, Name: "GET /v1/books", Err: refused})
	}
	rep.Results = append(rep.Results, recorder.Result{Index: 13, Name: "GET /v1/books/1", Err: errors.New("bad request line")})
	var b strings.Builder
	if err := WriteReplay(&b, rep); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if n := strings.Count(out, "connection refused"); n != 1 || !strings.Contains(out, "connection refused (the same for 13 exchanges)") {
		t.Errorf("connection refused said %d times:\n%s", n, out)
	}
	if !strings.Contains(out, "bad request line\n") || strings.Count(out, "FAIL") != 14 {
		t.Errorf("every failed row, and the other error, should show:\n%s", out)
	}
}

func TestProgressLineErasesItselfAtTheEnd(t *testing.T) {
	var b strings.Builder
	p := ProgressLine(&b)
	p(10, 20)
	p(20, 20)
	if got := b.String(); got != "\rreplaying 10/20\rreplaying 20/20\r\033[K" {
		t.Fatalf("%q", got)
	}
}
