package recorder_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/redacttest"
)

// TestRedactionCorpusWriter records every case of the redaction corpus in
// its request and its response, through Writer.Append and through a
// Batch, and finds no secret and every non-secret in the file.
func TestRedactionCorpusWriter(t *testing.T) {
	cases := redacttest.Cases()
	if len(cases) < 40 {
		t.Fatalf("the corpus has %d cases, want at least 40", len(cases))
	}
	for _, mode := range []string{"append", "batch"} {
		t.Run(mode, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "corpus.kitrec")
			w, err := recorder.Create(path, recorder.Header{Service: "redacttest"}, recorder.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			b := w.NewBatch()
			for _, c := range cases {
				if mode == "append" {
					err = w.Append(c.Exchange())
				} else {
					err = b.Add(c.Exchange())
				}
				if err != nil {
					t.Fatalf("case %s: %v", c.Name, err)
				}
			}
			if err := b.Flush(); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			text, err := redacttest.SessionText(raw)
			if err != nil {
				t.Fatal(err)
			}
			redacttest.Check(t, "recorded file", text, cases)
		})
	}
}
