package workbench

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/kitbench/kitbench/recorder"
)

// Update replays the session file at path against o.Targets, which must
// name the healthy target to take the expectations from, and rewrites the
// file (atomically, mode 0600) with the responses it got as the expected
// ones, golden-file style; each response replaced stays in the file as
// the exchange's history. The report compares the new responses with the
// old. When some exchange gets no response the file is left unchanged.
func Update(ctx context.Context, path string, o ReplayOptions) (*Replayed, error) {
	if len(o.Targets) == 0 {
		return nil, Exit(ExitUsage, errors.New("--update takes the new expectations from --target: name the healthy instance to take them from"))
	}
	s, err := recorder.ReadFileContext(ctx, path, recorder.ReadOptions{})
	if err != nil && ctx.Err() != nil {
		return nil, Interrupted(ctx)
	}
	if err != nil {
		return nil, err
	}
	if len(s.Errors) > 0 {
		return nil, Exitf(ExitUsage, "%s: %d unreadable lines; an update would drop them, so the file is left as it is", path, len(s.Errors))
	}
	t, err := recorder.DialSession(s, o.Targets)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	side, err := recorder.Sidecar(path)
	if err != nil {
		return nil, err
	}
	rp, err := recorder.NewReplayer(t, recorder.ReplayOptions{Ignore: append(side, o.Ignore...), Headers: o.Headers, Timeout: o.Timeout})
	if err != nil {
		return nil, err
	}
	rep, err := rp.Update(ctx, s, strings.Join(o.Targets, ","), time.Now())
	r := &Replayed{Path: path, Session: s, Report: rep}
	switch {
	case ctx.Err() != nil:
		return r, Interrupted(ctx)
	case errors.Is(err, recorder.ErrUpdate):
		return r, Exit(ExitUnreachable, err)
	case err != nil:
		return r, err
	}
	return r, recorder.WriteSessionFile(path, s, recorder.Redaction{})
}
