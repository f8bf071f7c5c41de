package rectest

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

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
// When Updating (go test -kitrec.update, or KITBENCH_UPDATE=1), Replay
// sends the same requests and makes the responses it gets the file's new
// expectations, golden-file style, instead of comparing: each response it
// replaces stays in the file as the exchange's history (recorder.PastResponse),
// and the header is kept. When any exchange gets no response the file is
// left unchanged and the test fails.
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
			if res.Skipped != "" {
				t.Skipf("%s: %s", filepath.Base(path), res.Explain())
			}
			if !res.OK() {
				t.Errorf("%s: %s", filepath.Base(path), res.Explain())
			}
		})
	}
}

// rerecord replays s and makes what came back the file's expectations,
// keeping the ones they replace as each exchange's history.
func rerecord(t *testing.T, path string, s *recorder.Session, rp *recorder.Replayer, ro recorder.ReplayOptions) {
	t.Helper()
	rep, err := rp.Update(t.Context(), s, "rectest", time.Now())
	if err != nil {
		if rep != nil {
			for i := range rep.Results {
				if res := &rep.Results[i]; res.Err != nil {
					t.Errorf("rectest: re-recording %s: %s", path, res.Explain())
				}
			}
		}
		t.Fatalf("rectest: %s left unchanged: %v", path, err)
	}
	if err := recorder.WriteSessionFile(path, s, ro.Redact); err != nil {
		t.Fatalf("rectest: %v", err)
	}
	t.Logf("rectest: re-recorded %d exchanges in %s, the earlier responses kept as history (unset %s and drop -kitrec.update to compare again)", len(s.Exchanges), path, UpdateEnv)
}
