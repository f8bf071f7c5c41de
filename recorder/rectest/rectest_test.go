package rectest_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/examples/bookstore/booktest"
	"github.com/kitbench/kitbench/kit/endpoint"
	kitthrift "github.com/kitbench/kitbench/kit/transport/thrift"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/rectest"
)

// session writes a small Book session (create, get) recorded in process.
func session(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.kitrec")
	w, err := recorder.Create(path, recorder.Header{Ignore: []string{"$.create_time"}}, recorder.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range []recorder.Exchange{
		{Transport: "http", Request: recorder.Request{Method: "POST", Path: "/v1/books", Body: &recorder.Body{JSON: []byte(`{"title":"Dune"}`)}}},
		{Transport: "http", Request: recorder.Request{Method: "GET", Path: "/v1/books/0000000000000001"}},
	} {
		if err := w.Append(ex); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func handler(suffix string) recorder.Target {
	e := bookstore.MakeEndpoints(bookstore.NewStore()).Wrap(func(m string, next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			resp, err := next(ctx, req)
			if b, ok := resp.(bookstore.Book); ok && m == bookstore.MethodGetBook {
				b.Title += suffix
				return b, err
			}
			return resp, err
		}
	})
	return recorder.HandlerTarget(bookstore.NewHTTPHandler(e))
}

// The recorded responses are empty, so the first run re-records them; the
// second compares and passes; a changed service fails (in a child process,
// since a failing subtest would fail this test).
func TestUpdateThenReplayThenDiff(t *testing.T) {
	path := session(t)
	t.Setenv(rectest.UpdateEnv, "1")
	rectest.Replay(t, path, handler(""))
	raw, _ := os.ReadFile(path)
	if !bytes.Contains(raw, []byte(`"title":"Dune"`)) || !bytes.Contains(raw, []byte(`"status":200`)) {
		t.Fatalf("not re-recorded:\n%s", raw)
	}
	t.Setenv(rectest.UpdateEnv, "0")
	rectest.Replay(t, path, handler(""))

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperFailingReplay$", "-test.v")
	cmd.Env = append(os.Environ(), "REC_HELPER_FILE="+path, rectest.UpdateEnv+"=0")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("a changed service passed:\n%s", out)
	}
	for _, want := range []string{"--- FAIL: TestHelperFailingReplay/002_GET_/v1/books/0000000000000001",
		`$.title: want "Dune", got "Dune!"`, "--- PASS: TestHelperFailingReplay/001_POST_/v1/books"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestHelperFailingReplay(t *testing.T) {
	path := os.Getenv("REC_HELPER_FILE")
	if path == "" {
		return // only run as the child of TestUpdateThenReplayThenDiff
	}
	rectest.Replay(t, path, handler("!"))
}

// thriftFile writes the Thrift calls booktest.ThriftCalls makes on inst,
// as its ring keeps them, to a session file.
func thriftFile(t *testing.T, inst *bookstore.Instance) string {
	t.Helper()
	booktest.ThriftCalls(t, inst)
	path := filepath.Join(t.TempDir(), "thrift.kitrec")
	if err := os.WriteFile(path, booktest.Ring(t, inst), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".ignore", []byte("$[\"0:success\"][\"1:id\"]\n$[\"0:success\"][\"5:create_time_unix_nano\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestThriftReplay: a Thrift session from an exchange ring replays under
// go test against a Thrift target, one passing subtest per call; against
// an instance whose store differs, the GetBook subtest fails naming the
// field (in a child process, since a failing subtest would fail this
// test); -kitrec.update rewrites the expectations from it.
func TestThriftReplay(t *testing.T) {
	inst := booktest.StartThrift(t, "bookstore-t")
	path := thriftFile(t, inst)
	rectest.Replay(t, path, recorder.ThriftTarget(inst.ThriftAddr))

	other := booktest.StartThrift(t, "bookstore-u")
	if _, err := booktest.ThriftClient(t, other.ThriftAddr, kitthrift.Compact).CreateBook(context.Background(), bookstore.CreateBookRequest{Title: "Emma"}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperThriftReplay$", "-test.v")
	cmd.Env = append(os.Environ(), "REC_HELPER_FILE="+path, "REC_HELPER_ADDR="+other.ThriftAddr, rectest.UpdateEnv+"=0")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("a changed store passed:\n%s", out)
	}
	for _, want := range []string{"--- PASS: TestHelperThriftReplay/001_thrift_CreateBook", "--- FAIL: TestHelperThriftReplay/002_thrift_GetBook",
		`$["0:success"]["2:title"]: want "Dune", got "Emma"`, "--- PASS: TestHelperThriftReplay/003_thrift_GetBook"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	t.Setenv(rectest.UpdateEnv, "1")
	rectest.Replay(t, path, recorder.ThriftTarget(other.ThriftAddr))
	raw, _ := os.ReadFile(path)
	if !bytes.Contains(raw, []byte(`"2:title":"Emma"`)) || !bytes.Contains(raw, []byte(`"history"`)) {
		t.Fatalf("not re-recorded from the other store:\n%s", raw)
	}
	t.Setenv(rectest.UpdateEnv, "0")
	rectest.Replay(t, path, recorder.ThriftTarget(other.ThriftAddr))
}

func TestHelperThriftReplay(t *testing.T) {
	path, addr := os.Getenv("REC_HELPER_FILE"), os.Getenv("REC_HELPER_ADDR")
	if addr == "" {
		return // only run as the child of TestThriftReplay
	}
	rectest.Replay(t, path, recorder.ThriftTarget(addr))
}
