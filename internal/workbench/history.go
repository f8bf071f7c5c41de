package workbench

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// HistoryEntry is one call in a project's history.
type HistoryEntry struct {
	// ID names the entry in its store (a file name); set by Save.
	ID                        string
	Time                      time.Time
	Service, Method, Instance string // Instance empty: balanced
	Body                      []byte
	// What came back, for the list.
	Status  string
	OK      bool
	Latency time.Duration
	TraceID string
}

// History keeps the calls made in a project as one JSON file per call in
// HistoryDir (mode 0600: request bodies may hold secrets).
type History struct {
	// Dir is the project directory.
	Dir string
	// Max is how many entries List reads, newest first; zero means 200.
	Max int
}

// maxHistoryFile bounds one history file read back.
const maxHistoryFile = 4 << 20

// historyFile is the on-disk form of a HistoryEntry.
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

// List returns the entries, newest first. A damaged entry is skipped.
func (h History) List(ctx context.Context) ([]HistoryEntry, error) {
	dir := filepath.Join(h.Dir, HistoryDir)
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
	limit := cmp.Or(h.Max, 200)
	var out []HistoryEntry
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

func readHistoryFile(path string) (HistoryEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return HistoryEntry{}, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxHistoryFile+1))
	if err != nil {
		return HistoryEntry{}, err
	}
	if len(b) > maxHistoryFile {
		return HistoryEntry{}, fmt.Errorf("%s: over %d bytes", path, maxHistoryFile)
	}
	var hf historyFile
	if err := json.Unmarshal(b, &hf); err != nil {
		return HistoryEntry{}, err
	}
	var body []byte
	if len(hf.Body) > 0 {
		var buf bytes.Buffer
		if err := json.Compact(&buf, hf.Body); err != nil {
			return HistoryEntry{}, err
		}
		body = buf.Bytes()
	}
	if hf.BodyText != "" {
		body = []byte(hf.BodyText)
	}
	return HistoryEntry{Time: hf.Time, Service: hf.Service, Method: hf.Method, Instance: hf.Instance, Body: body,
		Status: hf.Status, OK: hf.OK, Latency: time.Duration(hf.LatencyNS), TraceID: hf.TraceID}, nil
}

// Save stores e and returns it with its ID: a new file named after its
// time and method, never overwriting another.
func (h History) Save(_ context.Context, e HistoryEntry) (HistoryEntry, error) {
	dir := filepath.Join(h.Dir, HistoryDir)
	if err := ProjectDir(h.Dir, HistoryDir); err != nil {
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
