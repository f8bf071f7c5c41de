package rectest

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/recorder"
)

// UpdateEnv is the environment variable that, set to 1, makes Replay
// re-record instead of comparing (as the -kitrec.update flag does).
const UpdateEnv = "KITBENCH_UPDATE"

// update is a test flag with a prefixed name, so it cannot clash with a
// package's own -update flag.
var update = flag.Bool("kitrec.update", false, "re-record kitrec sessions replayed by rectest.Replay instead of comparing")

// Option adjusts a replay.
type Option func(*recorder.ReplayOptions)

// Ignore adds JSON path rules not to compare, e.g. "$.create_time".
func Ignore(paths ...string) Option {
	return func(o *recorder.ReplayOptions) { o.Ignore = append(o.Ignore, paths...) }
}

// Header sets a header (gRPC: metadata) on every replayed request, e.g. a
// real token where the recording holds "[REDACTED]".
func Header(name, value string) Option {
	return func(o *recorder.ReplayOptions) {
		if o.Headers == nil {
			o.Headers = http.Header{}
		}
		o.Headers.Set(name, value)
	}
}

// Pace keeps a stream's recorded pacing: each client message is sent no
// earlier than it was in the recording (see recorder.ReplayOptions.Pace).
func Pace() Option {
	return func(o *recorder.ReplayOptions) { o.Pace = true }
}

// Redact sets the redaction rules applied to replayed responses and to
// re-recorded sessions; use the rules the session was recorded with.
func Redact(r recorder.Redaction) Option {
	return func(o *recorder.ReplayOptions) { o.Redact = r }
}

// Updating reports whether Replay re-records (KITBENCH_UPDATE=1 or
// -kitrec.update).
func Updating() bool { return *update || os.Getenv(UpdateEnv) == "1" }

// Replay replays the session file at path against target, one subtest per
// exchange in file order, and reports each difference with t.Errorf:
// which exchange, which JSON path, expected and got. Ignore rules come
// from the file's header, its sidecar (path+".ignore") and opts. Lines
// of the file that cannot be read fail the test.
//
// When Updating, Replay sends the same requests and rewrites the file
// with the responses it gets (keeping the header), instead of comparing.
func Replay(t *testing.T, path string, target recorder.Target, opts ...Option) {
	t.Helper()
	s, err := recorder.ReadFile(path, recorder.ReadOptions{})
	if err != nil {
		t.Fatalf("rectest: %v", err)
	}
	for _, le := range s.Errors {
		t.Errorf("rectest: %s: %v", path, le)
	}
	if s.Note != "" {
		t.Logf("rectest: %s: %s", path, s.Note)
	}
	// Writes are sent: the target is the test's own fresh server (see the
	// package doc).
	ro := recorder.ReplayOptions{Writes: recorder.WritesAllow}
	for _, o := range opts {
		o(&ro)
	}
	side, err := recorder.Sidecar(path)
	if err != nil {
		t.Fatalf("rectest: %v", err)
	}
	ro.Ignore = append(side, ro.Ignore...)
	rp, err := recorder.NewReplayer(target, ro)
	if err != nil {
		t.Fatalf("rectest: %v", err)
	}
	ignore, err := recorder.CompileIgnore(append(s.Header.Ignore, ro.Ignore...))
	if err != nil {
		t.Fatalf("rectest: %s: %v", path, err)
	}
	if Updating() {
		rerecord(t, path, s, rp, ro)
		return
	}
	ctx := t.Context()
	for i := range s.Exchanges {
		ex := &s.Exchanges[i]
		t.Run(fmt.Sprintf("%03d_%s", i+1, ex.Name()), func(t *testing.T) {
			res := rp.One(ctx, ex, ignore)
			res.Index = i
			if !res.OK() {
				t.Errorf("%s: %s", filepath.Base(path), res.Explain())
			}
		})
	}
}

// rerecord replays s and writes what came back over path.
func rerecord(t *testing.T, path string, s *recorder.Session, rp *recorder.Replayer, ro recorder.ReplayOptions) {
	t.Helper()
	tmp := path + ".tmp"
	w, err := recorder.Create(tmp, s.Header, recorder.WriteOptions{Redact: ro.Redact})
	if err != nil {
		t.Fatalf("rectest: %v", err)
	}
	defer os.Remove(tmp)
	failed := 0
	for i := range s.Exchanges {
		ex := s.Exchanges[i]
		res := rp.One(t.Context(), &ex, nil)
		if res.Err != nil {
			t.Errorf("rectest: re-recording %s: %s", path, res.Explain())
			failed++
			continue
		}
		ex.Response, ex.Duration, ex.Error = *res.Got, res.Duration, ""
		if err := w.Append(ex); err != nil {
			t.Fatalf("rectest: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("rectest: %v", err)
	}
	if failed > 0 {
		t.Fatalf("rectest: %s left unchanged: %d exchanges failed", path, failed)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatalf("rectest: %v", err)
	}
	t.Logf("rectest: re-recorded %d exchanges in %s (unset %s to compare again)", len(s.Exchanges), path, strings.TrimSpace(UpdateEnv))
}
