package workbench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestHistoryRoundTrip(t *testing.T) {
	dir := t.TempDir()
	h := History{Dir: dir}
	ctx := context.Background()
	if es, err := h.List(ctx); err != nil || len(es) != 0 {
		t.Fatalf("empty history: %v %v", es, err)
	}
	t0 := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	in := []HistoryEntry{
		{Time: t0, Service: "bookstore", Method: "GetBook", Instance: "book-2", Body: []byte(`{ "id": "1" }`), Status: "OK", OK: true, Latency: time.Millisecond, TraceID: "abc"},
		{Time: t0.Add(time.Second), Service: "bookstore", Method: "ListBooks", Body: []byte("not json {"), Status: "error"},
		{Time: t0.Add(time.Second), Service: "../../etc", Method: "pass wd", Body: []byte(`{}`), Status: "OK", OK: true},
	}
	for _, e := range in {
		saved, err := h.Save(ctx, e)
		if err != nil || saved.ID == "" {
			t.Fatalf("save: %+v %v", saved, err)
		}
		if strings.ContainsAny(saved.ID, "/ ") {
			t.Errorf("unsafe file name %q", saved.ID)
		}
		fi, err := os.Stat(filepath.Join(dir, HistoryDir, saved.ID))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("history file %v %v", fi, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, HistoryDir, "29991231T000000.000000000Z-x.json"), []byte("{broken"), 0o600); err != nil {
		t.Fatal(err)
	}
	es, err := h.List(ctx)
	if err != nil || len(es) != 3 {
		t.Fatalf("list: %d entries, %v", len(es), err)
	}
	if es[2].Method != "GetBook" || string(es[2].Body) != `{"id":"1"}` || es[2].Instance != "book-2" || es[2].Latency != time.Millisecond || !es[2].Time.Equal(t0) {
		t.Errorf("oldest entry %+v body %s", es[2], es[2].Body)
	}
	if b := string(es[0].Body) + string(es[1].Body); !strings.Contains(b, "not json {") {
		t.Errorf("a non-JSON body should be kept as text: %q", b)
	}
	if es, err := (History{Dir: dir, Max: 2}).List(ctx); err != nil || len(es) != 2 || es[1].Method == "GetBook" {
		t.Errorf("Max 2 should give the two newest: %+v %v", es, err)
	}
}

func TestHistorySkipsAnOversizedEntry(t *testing.T) {
	dir := t.TempDir()
	h := History{Dir: dir}
	ctx := context.Background()
	if _, err := h.Save(ctx, HistoryEntry{Time: time.Unix(1, 0), Service: "s", Method: "M", Status: "OK", OK: true}); err != nil {
		t.Fatal(err)
	}
	big := `{"time":"2030-01-01T00:00:00Z","service":"s","method":"Big","body":"` + strings.Repeat("x", maxHistoryFile) + `"}`
	if err := os.WriteFile(filepath.Join(dir, HistoryDir, "20300101T000000.000000000Z-s.Big.json"), []byte(big), 0o600); err != nil {
		t.Fatal(err)
	}
	es, err := h.List(ctx)
	if err != nil || len(es) != 1 || es[0].Method != "M" {
		t.Errorf("list: %+v %v", es, err)
	}
}
