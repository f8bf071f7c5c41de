package workbench

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/probes/invoke"
)

func TestInputRequest(t *testing.T) {
	file := filepath.Join(t.TempDir(), "book.json")
	if err := os.WriteFile(file, []byte(`{"id":"from file"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(k string) (string, bool) { return map[string]string{"TOKEN": "s3cret"}[k], k == "TOKEN" }
	stdin := strings.NewReader(`{"id":"from stdin"}`)
	for data, want := range map[string]string{`{"id":"inline"}`: `{"id":"inline"}`, "@" + file: `{"id":"from file"}`, "@-": `{"id":"from stdin"}`, "": ""} {
		req, err := Input{Data: data}.Request("bookstore.GetBook", stdin, env)
		if err != nil || string(req.Body) != want || req.Method != "bookstore.GetBook" {
			t.Errorf("-d %s: %q, %v", data, req.Body, err)
		}
	}
	req, err := Input{Headers: []string{"authorization: Bearer ${TOKEN}"}, PathParams: []string{"id=7", "shelf=a=b"}, Timeout: time.Second}.Request("m", nil, env)
	if err != nil || req.Header["authorization"][0] != "Bearer s3cret" || req.PathParams["id"] != "7" || req.PathParams["shelf"] != "a=b" || req.Timeout != time.Second {
		t.Errorf("request %+v, %v", req, err)
	}
	if _, err := (Input{Data: "@" + file + ".missing"}).Request("m", nil, env); !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), "-d @") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := (Input{Headers: []string{"x: ${UNSET}"}}).Request("m", nil, env); !errors.Is(err, invoke.ErrUnsetVariable) {
		t.Errorf("unset variable: %v", err)
	}
	if _, err := (Input{PathParams: []string{"=7"}}).Request("m", nil, env); err == nil || !strings.HasPrefix(err.Error(), "-p ") {
		t.Errorf("bad -p: %v", err)
	}
}
