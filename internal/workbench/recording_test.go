package workbench

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRecorderWithNoCallLeavesNoFile checks that starting and stopping a
// recording with no call in between leaves no session file to list.
func TestRecorderWithNoCallLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	r := NewRecorder(dir, "test", nil)
	if st := r.Toggle(); !st.On || st.Err != "" {
		t.Fatalf("toggle on: %+v", st)
	}
	if st := r.Toggle(); st.On || st.Calls != 0 || st.Err != "" {
		t.Fatalf("toggle off: %+v", st)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(dir, SessionsDir))
	if err != nil || len(entries) != 0 {
		t.Fatalf("sessions directory: %v %v, want it empty", entries, err)
	}
	files, err := Sessions{Dir: dir}.List(t.Context())
	if err != nil || len(files) != 0 {
		t.Fatalf("sessions: %+v %v", files, err)
	}
}

// TestProjectDirIgnoredByGit checks that the .kitbench directory, made by
// a recording or the history, ignores itself, and that a .gitignore the
// user changed is kept.
func TestProjectDirIgnoredByGit(t *testing.T) {
	dir := t.TempDir()
	if st := NewRecorder(dir, "test", nil).Toggle(); st.Err != "" {
		t.Fatal(st.Err)
	}
	b, err := os.ReadFile(filepath.Join(dir, ".kitbench", ".gitignore"))
	if err != nil || string(b) != "# kitbench's sessions and call history: not the project's.\n*\n" {
		t.Fatalf(".gitignore: %q %v", b, err)
	}

	dir = t.TempDir()
	if _, err := (History{Dir: dir}).Save(t.Context(), HistoryEntry{Time: time.Now(), Service: "s", Method: "M"}); err != nil {
		t.Fatal(err)
	}
	gi := filepath.Join(dir, ".kitbench", ".gitignore")
	if b, err := os.ReadFile(gi); err != nil || len(b) == 0 {
		t.Fatalf("history: .gitignore %q %v", b, err)
	}
	if err := os.WriteFile(gi, []byte("sessions/\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := ProjectDir(dir, SessionsDir); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(gi); string(b) != "sessions/\n" {
		t.Fatalf("the user's .gitignore became %q", b)
	}
}
