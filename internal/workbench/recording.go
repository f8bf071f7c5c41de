package workbench

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/kitbench/kitbench/recorder"
)

// Where the dashboard keeps its files, under the project directory.
const (
	SessionsDir = ".kitbench/sessions"
	HistoryDir  = ".kitbench/history"
)

// Recording appends calls to one session file, redacted with recorder's
// default rules before anything is written. It is safe for concurrent use.
type Recording struct {
	w  *recorder.Writer
	mu sync.Mutex
	n  int
}

// AppendTo opens the session file at path for appending: a new (or
// empty) file gets a header naming tool, an existing session keeps its
// own; a file that is not a session is refused and left as it is.
func AppendTo(path, tool string) (*Recording, error) {
	w, err := recorder.OpenFile(path, recorder.Header{Tool: tool}, recorder.WriteOptions{})
	if err != nil {
		return nil, err
	}
	return &Recording{w: w}, nil
}

// Record appends c as Exchange makes it. A nil Recording records
// nothing.
func (r *Recording) Record(c *Call) error {
	if r == nil {
		return nil
	}
	if err := r.w.Append(Exchange(*c)); err != nil {
		return err
	}
	r.mu.Lock()
	r.n++
	r.mu.Unlock()
	return nil
}

// Calls counts the exchanges appended.
func (r *Recording) Calls() int {
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// Close flushes and closes the file; Record then fails. Closing a nil
// Recording does nothing.
func (r *Recording) Close() error {
	if r == nil {
		return nil
	}
	return r.w.Close()
}

// RecordingState says whether a Recorder is recording, and where.
type RecordingState struct {
	// On is true while calls are appended to Path.
	On bool
	// Path is the session file relative to the project directory (the
	// last one when recording stopped).
	Path string
	// Calls counts the exchanges appended since recording started.
	Calls int
	// Err says why the toggle failed; the state is then unchanged.
	Err string
}

// Recorder switches the recording of a project's calls on and off, each
// recording a new session file in SessionsDir. It is safe for concurrent
// use. The zero value is not usable: call NewRecorder.
type Recorder struct {
	dir  string
	now  func() time.Time
	tool string

	mu   sync.Mutex
	rec  *Recording // nil unless recording
	path string
}

// NewRecorder records into dir's SessionsDir, with headers naming tool
// ("kitbench dashboard"). now names the files and dates their headers;
// nil means time.Now.
func NewRecorder(dir, tool string, now func() time.Time) *Recorder {
	if now == nil {
		now = time.Now
	}
	return &Recorder{dir: dir, tool: tool, now: now}
}

// Toggle starts a new session file, or closes the one being recorded.
func (r *Recorder) Toggle() RecordingState {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rec != nil {
		st := RecordingState{Path: r.path, Calls: r.rec.Calls()}
		if err := r.rec.Close(); err != nil {
			st.Err = fmt.Sprintf("closing %s: %v", r.path, err)
		}
		r.rec = nil
		return st
	}
	if err := os.MkdirAll(filepath.Join(r.dir, SessionsDir), 0o700); err != nil {
		return RecordingState{Err: err.Error()}
	}
	now := r.now().UTC()
	rel := filepath.Join(SessionsDir, "dashboard-"+now.Format("20060102-150405.000")+".kitrec")
	w, err := recorder.Create(filepath.Join(r.dir, rel), recorder.Header{Created: now, Tool: r.tool}, recorder.WriteOptions{})
	if err != nil {
		return RecordingState{Err: err.Error()}
	}
	r.rec, r.path = &Recording{w: w}, rel
	return RecordingState{On: true, Path: rel}
}

// Record appends c to the session being recorded, if any, and reports
// whether it did. A failed append stops nothing: the call answered, and
// the session file keeps what it could.
func (r *Recorder) Record(c *Call) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rec != nil && r.rec.Record(c) == nil
}

// Close stops recording.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rec == nil {
		return nil
	}
	err := r.rec.Close()
	r.rec = nil
	return err
}
