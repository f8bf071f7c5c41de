package recorder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// PastResponse is a response an exchange expected before an update (kitbench
// replay --update, rectest's update switch) replaced it: the exchange's
// "history", oldest first.
type PastResponse struct {
	// Replaced is when the update replaced it.
	Replaced time.Time `json:"replaced"`
	// ReplacedBy names the target whose response replaced it, when known.
	ReplacedBy string `json:"replaced_by,omitempty"`
	// Instance is the instance that gave it, when known.
	Instance string `json:"instance,omitempty"`
	// Response, Duration and Error are the exchange's as they were.
	Response Response      `json:"response"`
	Duration time.Duration `json:"duration_ns"`
	Error    string        `json:"error,omitempty"`
}

// ErrUpdate: an update replayed some exchange without getting a response,
// so the session was left as it was.
var ErrUpdate = errors.New("recorder: session not updated")

// Update replays every exchange of s against rp's target, in order, and
// makes each response the new expectation (golden-file style), pushing the
// one it replaces onto the exchange's History with when and by what
// (replacedBy, e.g. the target's address). Every exchange is replayed
// before any is changed: when one gets no response, s is left as it was
// and the error wraps ErrUpdate. The report compares each response with
// the expectation it replaced.
func (rp *Replayer) Update(ctx context.Context, s *Session, replacedBy string, now time.Time) (*Report, error) {
	rep, err := rp.Replay(ctx, s)
	if err != nil {
		return nil, err
	}
	failed := 0
	for i := range rep.Results {
		if rep.Results[i].Err != nil {
			failed++
		}
	}
	if failed > 0 {
		return rep, fmt.Errorf("%w: %d of %d exchanges got no response", ErrUpdate, failed, len(rep.Results))
	}
	for i := range s.Exchanges {
		ex, res := &s.Exchanges[i], &rep.Results[i]
		if res.Got == nil { // skipped (a Thrift exchange without types): kept as it was
			continue
		}
		if ex.Thrift != nil {
			tc := *ex.Thrift
			thriftReply(&tc, res.Got)
			ex.Thrift = &tc
		}
		ex.History = append(ex.History, PastResponse{Replaced: now.UTC(), ReplacedBy: replacedBy, Instance: ex.Instance,
			Response: ex.Response, Duration: ex.Duration, Error: ex.Error})
		ex.Response, ex.Duration, ex.Error, ex.Instance = *res.Got, res.Duration, "", ""
	}
	return rep, nil
}

// WriteSessionFile replaces the file at path with s, atomically: a
// temporary file beside it (mode 0600) renamed over it once it is whole,
// so a crash leaves the old file or the new one. Exchanges are redacted
// with r as every writer redacts.
func WriteSessionFile(path string, s *Session, r Redaction) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("recorder: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename, there is nothing left to remove
	f.Close()
	w, err := Create(tmp, s.Header, WriteOptions{Redact: r})
	if err != nil {
		return err
	}
	for _, ex := range s.Exchanges {
		if err := w.Append(ex); err != nil {
			_ = w.Close()
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("recorder: %w", err)
	}
	return nil
}

// appendHistory writes an exchange's history, redacted with p as its
// response is (the responses came from a session, redacted already;
// redacting again changes nothing, and keeps a hand-edited file honest).
func appendHistory(b []byte, hist []PastResponse, p *Policy) ([]byte, error) {
	if len(hist) == 0 {
		return b, nil
	}
	out := make([]PastResponse, len(hist))
	for i, h := range hist {
		tmp := Exchange{Response: h.Response, Error: h.Error}
		if p != nil {
			p.Exchange(&tmp)
		}
		h.Response, h.Error = tmp.Response, tmp.Error
		out[i] = h
	}
	js, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	b = append(b, `,"history":`...)
	return append(b, js...), nil
}
