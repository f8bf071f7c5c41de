package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/kitbench/kitbench/ui/call"
)

// snakeKeys renames the object keys of a JSON document from lowerCamelCase
// to snake_case ("nextPageToken" → "next_page_token"), leaving values as
// they are; input that is not JSON is returned unchanged. Keys of proto
// map fields are renamed too: a known limit of working without the
// descriptors.
func snakeKeys(b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return b
	}
	out, err := json.Marshal(snakeValue(v))
	if err != nil {
		return b
	}
	return out
}

func snakeValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[snake(k)] = snakeValue(x)
		}
		return m
	case []any:
		for i := range v {
			v[i] = snakeValue(v[i])
		}
	}
	return v
}

func snake(k string) string {
	if !strings.ContainsFunc(k, unicode.IsUpper) {
		return k
	}
	var b strings.Builder
	for i, r := range k {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// dashHistory keeps the calls made in the dashboard as one JSON file per
// call in .kitbench/history of the project directory (mode 0600: request
// bodies may hold secrets). It implements call.History.
type dashHistory struct {
	dir string // the project directory
	// Max is how many entries List reads, newest first; zero means 200.
	max int
}

// maxHistoryFile bounds one history file read back.
const maxHistoryFile = 4 << 20

// historyFile is the on-disk form of a call.HistoryEntry.
type historyFile struct {
	Time      time.Time       `json:"time"`
	Service   string          `json:"service"`
	Method    string          `json:"method"`
	Instance  string          `json:"instance,omitempty"`
	Body      json.RawMessage `json:"body,omitempty"`
	BodyText  string          `json:"body_text,omitempty"` // a body that is not JSON
	Status    string          `json:"status"`
	OK        bool            `json:"ok"`
	LatencyNS int64           `json:"latency_ns,omitempty"`
	TraceID   string          `json:"trace_id,omitempty"`
}

// List implements call.History.
func (h dashHistory) List(ctx context.Context) ([]call.HistoryEntry, error) {
	dir := filepath.Join(h.dir, dashHistoryDir)
	des, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, de := range des {
		if de.Type().IsRegular() && strings.HasSuffix(de.Name(), ".json") {
			names = append(names, de.Name())
		}
	}
	slices.Sort(names)
	slices.Reverse(names) // names start with the time: newest first
	limit := h.max
	if limit <= 0 {
		limit = 200
	}
	var out []call.HistoryEntry
	for _, n := range names {
		if len(out) == limit || ctx.Err() != nil {
			break
		}
		e, err := readHistoryFile(filepath.Join(dir, n))
		if err != nil {
			continue // a damaged entry is skipped, not fatal
		}
		e.ID = n
		out = append(out, e)
	}
	return out, ctx.Err()
}

func readHistoryFile(path string) (call.HistoryEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return call.HistoryEntry{}, err
	}
	defer f.Close()
	var hf historyFile
	d := json.NewDecoder(&limitedReader{r: f, n: maxHistoryFile})
	if err := d.Decode(&hf); err != nil {
		return call.HistoryEntry{}, err
	}
	var body []byte
	if len(hf.Body) > 0 {
		var buf bytes.Buffer
		if err := json.Compact(&buf, hf.Body); err != nil {
			return call.HistoryEntry{}, err
		}
		body = buf.Bytes()
	}
	if hf.BodyText != "" {
		body = []byte(hf.BodyText)
	}
	return call.HistoryEntry{Time: hf.Time, Service: hf.Service, Method: hf.Method, Instance: hf.Instance, Body: body,
		Status: hf.Status, OK: hf.OK, Latency: time.Duration(hf.LatencyNS), TraceID: hf.TraceID}, nil
}

// Save implements call.History.
func (h dashHistory) Save(_ context.Context, e call.HistoryEntry) (call.HistoryEntry, error) {
	dir := filepath.Join(h.dir, dashHistoryDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return e, err
	}
	hf := historyFile{Time: e.Time.UTC(), Service: e.Service, Method: e.Method, Instance: e.Instance, Status: e.Status,
		OK: e.OK, LatencyNS: int64(e.Latency), TraceID: e.TraceID}
	if json.Valid(e.Body) {
		var buf bytes.Buffer
		if json.Compact(&buf, e.Body) == nil {
			hf.Body = buf.Bytes()
		}
	} else {
		hf.BodyText = string(e.Body)
	}
	b, err := json.MarshalIndent(hf, "", "  ")
	if err != nil {
		return e, err
	}
	base := e.Time.UTC().Format("20060102T150405.000000000Z") + "-" + fileWord(e.Service+"."+e.Method)
	for i := 0; ; i++ {
		name := base + ".json"
		if i > 0 {
			name = fmt.Sprintf("%s-%d.json", base, i)
		}
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) && i < 100 {
			continue
		}
		if err != nil {
			return e, err
		}
		_, werr := f.Write(append(b, '\n'))
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		e.ID = name
		return e, werr
	}
}

// fileWord keeps the characters of s that are safe in a file name.
func fileWord(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '_'
	}, s)
	if len(s) > 80 {
		s = s[:80]
	}
	return s
}

// limitedReader fails, instead of stopping quietly, past n bytes.
type limitedReader struct {
	r interface{ Read([]byte) (int, error) }
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errors.New("file too large")
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}
