package recorder_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	"github.com/kitbench/kitbench/recorder"
)

// Record one exchange, then replay the session against a handler that
// has changed: the report names the field that differs.
func Example() {
	var file bytes.Buffer
	w, _ := recorder.NewWriter(&file, recorder.Header{Ignore: []string{"$.served_at"}}, recorder.WriteOptions{})
	_ = w.Append(recorder.Exchange{
		Transport: recorder.TransportHTTP,
		Request: recorder.Request{Method: "GET", Path: "/hello?access_token=s3cret",
			Headers: map[string][]string{"Authorization": {"Bearer s3cret"}}},
		Response: recorder.Response{Status: 200,
			Body: recorder.NewBody("application/json", []byte(`{"greeting":"hello","n":1,"served_at":"09:00"}`))},
	})
	fmt.Println("secret on disk:", bytes.Contains(file.Bytes(), []byte("s3cret")))

	s, _ := recorder.Read(&file, recorder.ReadOptions{})
	changed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"n": 1.0, "greeting": "hi", "served_at": "10:00"}`)
	})
	rp, _ := recorder.NewReplayer(recorder.HandlerTarget(changed), recorder.ReplayOptions{})
	rep, _ := rp.Replay(context.Background(), s)
	fmt.Println(rep.Passed, "passed,", rep.Failed, "failed")
	for _, d := range rep.Results[0].Diffs {
		fmt.Println(d)
	}
	// Output:
	// secret on disk: false
	// 0 passed, 1 failed
	// $.greeting: want "hello", got "hi"
}
