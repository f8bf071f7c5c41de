package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
)

// TestCallPrintsTheReason fails DeleteBook in its handler until the
// method's breaker opens: over gRPC and HTTP, the handler's failure and
// the breaker's rejection print different reasons, -o json carries them,
// and the handler's own text ("disk on fire") reaches no output.
func TestCallPrintsTheReason(t *testing.T) {
	reg := callRegistry(t)
	callBook(t, bookstore.Config{Registry: reg, Middleware: faulty, OpenTimeout: time.Hour})
	del := func(args ...string) (int, string, string) {
		return runArgs(t, append([]string{"call", "--consul", reg, "bookstore.DeleteBook", "-d", `{"id":"0000000000000001"}`}, args...)...)
	}
	type answer struct {
		code        int
		out, errOut string
	}
	check := func(what string, a answer, code int, want string) {
		t.Helper()
		if a.code != code || !strings.Contains(a.errOut, want) || strings.Contains(a.out+a.errOut, "disk on fire") {
			t.Errorf("%s: exit %d (want %d), want %q without the handler's text:\n%s%s", what, a.code, code, want, a.out, a.errOut)
		}
	}
	call := func(args ...string) answer { c, o, e := del(args...); return answer{c, o, e} }

	check("a handler failure over gRPC", call(), 64+13, "INTERNAL: internal error (reason: internal)")
	check("a handler failure over HTTP", call("--http"), 5, "500 Internal Server Error: Internal Server Error (reason: internal)")
	opened := false
	for range 10 { // five consecutive failures open it; bounded in case it never does
		if a := call(); strings.Contains(a.errOut, "breaker_open") {
			opened = true
			break
		}
	}
	if !opened {
		t.Fatal("the breaker did not open after ten failures")
	}
	check("a breaker rejection over gRPC", call(), 64+14, "UNAVAILABLE: service unavailable (reason: breaker_open)")
	check("a breaker rejection over HTTP", call("--http"), 5, "503 Service Unavailable: Service Unavailable (reason: breaker_open)")

	for _, tr := range [][]string{nil, {"--http"}} {
		c, out, _ := del(append(tr, "-o", "json")...)
		var env struct{ Reason, Error string }
		if err := json.Unmarshal([]byte(out), &env); err != nil || c == 0 || env.Reason != "breaker_open" || !strings.Contains(env.Error, "(reason: breaker_open)") {
			t.Errorf("-o json %v: exit %d, %v\n%s", tr, c, err, out)
		}
	}
	if _, _, errOut := del("-v"); !strings.Contains(errOut, "reason    breaker_open") {
		t.Errorf("-v should have a reason line:\n%s", errOut)
	}
	file := filepath.Join(t.TempDir(), "r.kitrec")
	del("--record", file)
	if raw, err := os.ReadFile(file); err != nil || !strings.Contains(string(raw), `"reason":"breaker_open"`) {
		t.Errorf("a recorded gRPC failure should keep its reason: %v\n%s", err, raw)
	}
}
