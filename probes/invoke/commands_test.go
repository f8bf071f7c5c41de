package invoke_test

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/probes/invoke"
)

func TestCommands(t *testing.T) {
	inst := startBook(t, bookstore.Config{})
	g, err := invoke.DialGRPC(t.Context(), inst.GRPCAddr, invoke.GRPCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	req := invoke.Request{Method: "bookstore.GetBook", Body: []byte(`{ "id": "it's" }`), Timeout: 1500 * time.Millisecond}
	got, err := g.Command(t.Context(), req, []string{"authorization: Bearer ${TOKEN}"})
	want := `grpcurl -plaintext -H "authorization: Bearer ${TOKEN}" -d '{"id":"it'\''s"}' -max-time 1.5 ` + inst.GRPCAddr + ` bookstore.v1.BookService/GetBook`
	if err != nil || got != want {
		t.Fatalf("grpcurl:\n got %s\nwant %s (%v)", got, want, err)
	}
	h := httpClient(t, inst)
	got, err = h.Command(invoke.Request{Method: "ListBooks", Body: []byte(`{"page_size":2}`)}, nil)
	want = `curl -sS -H 'accept: application/json' 'http://` + inst.HTTPAddr + `/v1/books?page_size=2'`
	if err != nil || got != want {
		t.Fatalf("curl:\n got %s\nwant %s (%v)", got, want, err)
	}
	got, err = h.Command(invoke.Request{Method: "CreateBook", Body: []byte(`{"title":"a b","author":"c"}`)}, []string{"x-k: $x"})
	want = `curl -sS -X POST -H 'x-k: $x' -H 'accept: application/json' -H 'content-type: application/json' -d '{"title":"a b","author":"c"}' http://` + inst.HTTPAddr + `/v1/books`
	if err != nil || got != want {
		t.Fatalf("curl post:\n got %s\nwant %s (%v)", got, want, err)
	}
	// The printed curl command works.
	if _, err := exec.LookPath("curl"); err == nil {
		out, err := exec.Command("sh", "-c", got).CombinedOutput()
		if err != nil || !strings.Contains(string(out), `"title":"a b"`) {
			t.Fatalf("running %s: %s %v", got, out, err)
		}
	}
}
