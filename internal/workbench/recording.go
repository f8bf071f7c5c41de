package workbench

import (
	"errors"
	"fmt"
	"io/fs"
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
	ex, err := Exchange(*c)
	if err != nil {
		return err
	}
	if err := r.w.Append(ex); err != nil {
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
// recording a new session file in SessionsDir, created by the first call
// recorded: a recording with no call leaves no file. It is safe for
// concurrent use. The zero value is not usable: call NewRecorder.
type Recorder struct {
	dir  string
	now  func() time.Time
	tool string

	mu      sync.Mutex
	on      bool
	rec     *Recording // nil until the first call is recorded
	path    string
	started time.Time // when recording started: the file's header says so
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

// Toggle starts recording to a new session file, or stops the recording.
// Starting makes the directory (ProjectDir) so that a recording that
// cannot be kept fails now, not at its first call.
func (r *Recorder) Toggle() RecordingState {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.on {
		st := RecordingState{Path: r.path, Calls: r.rec.Calls()}
		if err := r.rec.Close(); err != nil {
			st.Err = fmt.Sprintf("closing %s: %v", r.path, err)
		}
		r.on, r.rec = false, nil
		return st
	}
	if err := ProjectDir(r.dir, SessionsDir); err != nil {
		return RecordingState{Err: err.Error()}
	}
	r.started = r.now().UTC()
	r.path = filepath.Join(SessionsDir, "dashboard-"+r.started.Format("20060102-150405.000")+".kitrec")
	if _, err := os.Lstat(filepath.Join(r.dir, r.path)); err == nil {
		return RecordingState{Err: fmt.Sprintf("%s exists", r.path)}
	}
	r.on = true
	return RecordingState{On: true, Path: r.path}
}

// Record appends c to the session being recorded, if any, creating its
// file on the first call, and reports whether it did. A failed append
// stops nothing: the call answered, and the session file keeps what it
// could.
func (r *Recorder) Record(c *Call) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.on {
		return false
	}
	if r.rec == nil {
		w, err := recorder.Create(filepath.Join(r.dir, r.path), recorder.Header{Created: r.started, Tool: r.tool}, recorder.WriteOptions{})
		if err != nil {
			return false
		}
		r.rec = &Recording{w: w}
	}
	return r.rec.Record(c) == nil
}

// Close stops recording.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	err := r.rec.Close()
	r.on, r.rec = false, nil
	return err
}

// ProjectDir makes sub (SessionsDir, HistoryDir) under the project
// directory dir, mode 0700. The .kitbench directory it is in gets a
// .gitignore that ignores everything, so that what kitbench keeps never
// shows as untracked in the project's repository; an existing .gitignore
// is left as it is.
func ProjectDir(dir, sub string) error {
	if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(dir, ".kitbench", ".gitignore"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = f.WriteString("# kitbench's sessions and call history: not the project's.\n*\n")
	return errors.Join(err, f.Close())
}
