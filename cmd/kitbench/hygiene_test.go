package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/consul/api"

	"github.com/kitbench/kitbench/internal/workbench"
	"github.com/kitbench/kitbench/recorder"
)

// hostileRune reports the first rune of out a terminal could obey or that
// hides or reorders text, or "" when there is none. LF ends rows and tab
// is allowed (tabwriter pads with spaces, but bodies may carry tabs).
func hostileRune(out string) string {
	if !utf8.ValidString(out) {
		return "invalid UTF-8"
	}
	for _, r := range out {
		switch {
		case r == '\n' || r == '\t':
		case r < 0x20 || r >= 0x7f && r <= 0x9f:
			return fmt.Sprintf("control %U", r)
		case r == 0x2028 || r == 0x2029:
			return fmt.Sprintf("line separator %U", r)
		case unicode.Is(unicode.Cf, r):
			return fmt.Sprintf("invisible formatting %U (bidi or zero-width)", r)
		}
	}
	return ""
}

func assertClean(t *testing.T, what, out string) {
	t.Helper()
	if h := hostileRune(out); h != "" {
		t.Errorf("%s carries %s:\n%q", what, h, out)
	}
}

// hostileSession writes a session whose methods, paths, ids and endpoint
// names carry escape sequences, a C1 CSI, bidi overrides, zero-width
// characters and line breaks that would start a row of their own.
func hostileSession(t *testing.T, target string) string {
	t.Helper()
	const spoof = "\n9  pass  GET /spoofed  1ms"
	exs := []recorder.Exchange{
		{ID: "1\x1b]52;c;cm0gLXJmIH4=\x07", Transport: recorder.TransportHTTP, Target: target, Endpoint: "Get\u202eBook\u200b",
			Request:  recorder.Request{Method: "GET", Path: "/v1/books/\u202e1\u2066\u200d\ufeff\u009b2J" + spoof},
			Response: recorder.Response{Status: 200}},
		{ID: "2", Transport: recorder.TransportHTTP, Target: target, Endpoint: "x\x1b[2J",
			Request:  recorder.Request{Method: "GET\x1b[2J\u009b31m", Path: "/\x1b]0;pwned\x07" + spoof},
			Response: recorder.Response{Status: 200}},
		{ID: "4", Transport: recorder.TransportHTTP, Target: target, // sent: the server's answer differs
			Request:  recorder.Request{Method: "GET", Path: "/v1/\u202eevil\u200b"},
			Response: recorder.Response{Status: 200}},
	}
	var b strings.Builder
	b.WriteString(`{"format":"kitrec","version":1}` + "\n")
	for _, ex := range exs {
		line, err := json.Marshal(ex)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	file := filepath.Join(t.TempDir(), "hostile.kitrec")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestReplayHostileSession replays a hostile session against a real
// loopback server: neither the table nor -o json prints any of it raw,
// and no recorded line break starts a row.
func TestReplayHostileSession(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"note":"\u009b\u202e"}`))
	}))
	defer srv.Close()
	file := hostileSession(t, srv.URL)

	code, stdout, stderr := runArgs(t, "replay", file, "--target", srv.URL)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (the exchanges differ)\n%s%s", code, stdout, stderr)
	}
	assertClean(t, "replay table", stdout)
	assertClean(t, "replay stderr", stderr)
	for _, line := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(line, "9 ") {
			t.Errorf("a recorded path started a row of its own: %q\n%s", line, stdout)
		}
	}
	if !strings.Contains(stdout, "␤9  pass  GET /spoofed") {
		t.Errorf("the line break is not shown as ␤:\n%s", stdout)
	}

	code, stdout, _ = runArgs(t, "replay", file, "--target", srv.URL, "-o", "json")
	assertClean(t, "replay -o json", stdout)
	var rep struct{ Results []struct{ ID, Name string } }
	if err := json.Unmarshal([]byte(stdout), &rep); code != 1 || err != nil || len(rep.Results) != 3 {
		t.Fatalf("exit %d, %v\n%s", code, err, stdout)
	}
	if !strings.Contains(stdout, `\u009b`) || !strings.Contains(stdout, `\u202e`) || !strings.Contains(rep.Results[0].Name, "\u202e1") {
		t.Errorf("-o json should keep the text, escaped:\n%s", stdout)
	}
}

// spoofName is a service name that, printed raw, would reverse the rest of
// its row (U+202E), hide a character (U+200B), carry a C1 CSI (U+009B) and
// start a row of its own that claims a healthy instance.
const spoofName = "shop\u202e\u200b\u009b\nbookstore  book-9  localhost:8080  passing  up  stream"

// registerSpoof registers an instance of spoofName with a hostile id and
// tags in the dev registry c talks to.
func registerSpoof(t *testing.T, c *api.Client) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	if err := c.Agent().ServiceRegister(&api.AgentServiceRegistration{
		ID: "shop-\u2066\u200d1\u2069", Name: spoofName, Address: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port,
		Tags:  []string{"\u202egat\u200b", "\u009b2J", "line\nbreak"},
		Check: &api.AgentServiceCheck{TTL: "30s", Status: api.HealthPassing},
	}); err != nil {
		t.Fatalf("registering a hostile name: %v", err)
	}
}

// noSpoofedRow fails when a line of out starts like the row spoofName
// carries.
func noSpoofedRow(t *testing.T, what, out string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "bookstore") {
			t.Errorf("%s: a service name started a row of its own: %q\n%s", what, line, out)
		}
	}
	if !strings.Contains(out, "␤bookstore  book-9") {
		t.Errorf("%s does not show the name's line break as ␤:\n%s", what, out)
	}
}

// TestListDescribeHostileName lists and describes a service whose name,
// id and tags are hostile, registered in a real dev registry on loopback.
func TestListDescribeHostileName(t *testing.T) {
	addr, c := fleetRegistry(t)
	registerSpoof(t, c)

	code, out, errOut := runArgs(t, "list", "--consul", addr)
	if code != 0 {
		t.Fatalf("list: exit %d: %s", code, errOut)
	}
	assertClean(t, "list", out)
	noSpoofedRow(t, "list", out)
	if !strings.Contains(out, "shop���␤bookstore") || !strings.Contains(out, "shop-��1�") {
		t.Errorf("list should show the hidden characters as U+FFFD:\n%s", out)
	}

	code, out, _ = runArgs(t, "list", "--consul", addr, "-o", "json")
	assertClean(t, "list -o json", out)
	var l workbench.Listing
	if err := json.Unmarshal([]byte(out), &l); code != 0 || err != nil || len(l.Services) != 1 {
		t.Fatalf("list -o json: exit %d, %v\n%s", code, err, out)
	}
	if l.Services[0].Name != spoofName || !slices.Contains(l.Services[0].Instances[0].Tags, "\u009b2J") {
		t.Errorf("list -o json changed the text: %+v", l.Services[0])
	}
	for _, want := range []string{`\u009b`, `\u202e`, `\u200b`, `\u2066`, `\u200d`, `\n`} {
		if !strings.Contains(out, want) {
			t.Errorf("list -o json lacks %s:\n%s", want, out)
		}
	}

	code, out, errOut = runArgs(t, "describe", spoofName, "--consul", addr, "--timeout", "2s")
	if code != 0 {
		t.Fatalf("describe: exit %d: %s", code, errOut)
	}
	assertClean(t, "describe", out)
	assertClean(t, "describe stderr", errOut)
	noSpoofedRow(t, "describe", out)

	code, out, _ = runArgs(t, "describe", spoofName, "--consul", addr, "--timeout", "2s", "-o", "json")
	assertClean(t, "describe -o json", out)
	if code != 0 || !strings.Contains(out, `\u009b`) || !strings.Contains(out, `\u202e`) {
		t.Errorf("describe -o json: exit %d\n%s", code, out)
	}

	// Shell completion offers no name it would have to clean.
	code, out, _ = runArgs(t, "__complete", "describe", "--consul", addr, "")
	assertClean(t, "completion", out)
	if code != 0 || strings.Contains(out, "shop") {
		t.Errorf("completion offered the hostile name: exit %d\n%q", code, out)
	}

	code, _, errOut = runArgs(t, "describe", "nope\u202e\x1b[2J", "--consul", addr, "--timeout", "2s")
	assertClean(t, "describe error", errOut)
	if code != 2 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "known services: shop���␤bookstore") {
		t.Errorf("describe of an unknown service: exit %d, %q", code, errOut)
	}
}
