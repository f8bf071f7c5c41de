package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"testing"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/invoke"
	"github.com/kitbench/kitbench/recorder/redacttest"
)

// TestCallOutputRedactionCorpus calls a loopback HTTP server that answers
// each case of the redaction corpus with the case (redacttest.Handler),
// sending the case too, and prints every result the way `kitbench call`
// does: -v's block on stderr holds no secret of the header, metadata and
// query cases (the places it prints), and -o json's envelope no secret
// of any case. Every non-secret is printed.
func TestCallOutputRedactionCorpus(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: redacttest.Handler()}
	done := make(chan struct{})
	go func() { _ = hs.Serve(ln); close(done) }()
	defer func() { _ = hs.Close(); <-done }()
	routes := []wire.EndpointDoc{
		{Name: "Get", Transport: invoke.HTTP, HTTPMethod: http.MethodGet, HTTPPath: "/case/{name}"},
		{Name: "Post", Transport: invoke.HTTP, HTTPMethod: http.MethodPost, HTTPPath: "/case/{name}"},
	}
	client, err := invoke.NewHTTP(ln.Addr().String(), routes, invoke.HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	inst := sd.Instance{ID: "redact-1"}

	var verbose, jsonOut bytes.Buffer
	for _, c := range redacttest.Cases() {
		req := invoke.Request{Method: "Get", PathParams: map[string]string{"name": c.Name}}
		switch c.Where {
		case redacttest.Header, redacttest.Metadata:
			req.Header = map[string][]string{c.Key: {c.Value}}
		case redacttest.Query:
			v, err := url.QueryUnescape(c.Value)
			if err != nil {
				t.Fatal(err)
			}
			req.Body, _ = json.Marshal(map[string]string{c.Key: v})
		case redacttest.JSON:
			req.Method, req.Body = "Post", []byte(c.Value)
		default: // forms and text: only the answer carries them
			req.Method = "Post"
		}
		res, err := client.Invoke(context.Background(), req)
		if err != nil {
			t.Fatalf("case %s: %v", c.Name, err)
		}
		var stdout bytes.Buffer
		if err := (callOutput{stdout: &stdout, stderr: &verbose, f: &callFlags{verbose: true}}).result("redacttest", inst, res); err != nil {
			t.Fatalf("case %s: -v: %v", c.Name, err)
		}
		if err := (callOutput{stdout: &jsonOut, stderr: &verbose, f: &callFlags{output: "json"}}).result("redacttest", inst, res); err != nil {
			t.Fatalf("case %s: -o json: %v", c.Name, err)
		}
	}
	redacttest.Check(t, "kitbench call -v (stderr)", verbose.Bytes(), redacttest.Select(redacttest.Header, redacttest.Metadata, redacttest.Query))
	redacttest.Check(t, "kitbench call -o json", jsonOut.Bytes(), redacttest.Cases())
}
