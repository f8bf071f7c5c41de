package sessions

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/sanitize"
	"github.com/kitbench/kitbench/ui/styles"
)

// asking is a replay that found exchanges that may change data, sent
// nothing, and waits for the user: y sends them too, s replays only the
// safe ones, any other key cancels.
type asking struct {
	target Target
	unsafe []string // "#3 DELETE /v1/books/1 (…)"
}

// CapturesKeys implements ui.KeyCapturer: while the view asks before
// sending writes, every key answers it (esc and q cancel like any other).
func (v *SessionView) CapturesKeys() bool { return v.ask != nil }

// targets are "as recorded" and every instance of the session's service
// that publishes an address.
func (v *SessionView) targets() []Target {
	out := []Target{{Label: "as recorded"}}
	svc := v.service()
	var found []hub.Instance
	for _, in := range v.insts {
		if svc == "" || in.Name() == svc {
			found = append(found, in)
		}
	}
	slices.SortFunc(found, func(a, b hub.Instance) int { return strings.Compare(a.InstanceID, b.InstanceID) })
	for _, in := range found {
		var specs []string
		if a := in.Meta[sd.MetaHTTP]; a != "" {
			specs = append(specs, "http://"+a)
		}
		if a := in.Meta[sd.MetaGRPC]; a != "" {
			specs = append(specs, "grpc://"+a)
		}
		if len(specs) > 0 {
			out = append(out, Target{Label: in.InstanceID, Specs: specs})
		}
	}
	return out
}

// nextTarget moves to the next target and clears the last replay's
// outcome, which was another target's.
func (v *SessionView) nextTarget() {
	ts := v.targets()
	i := slices.IndexFunc(ts, func(t Target) bool { return t.Label == v.target.Label })
	v.target = ts[(i+1)%len(ts)]
	v.report = nil
	clear(v.results)
	v.rows()
}

// targetOf is where the chosen target sends e: the address it was
// recorded against, or the target's address for e's transport.
func (v *SessionView) targetOf(e Exchange) string {
	if v.target.Specs == nil {
		return e.Target
	}
	for _, spec := range v.target.Specs {
		scheme, addr, ok := strings.Cut(spec, "://")
		if !ok || scheme == e.Transport {
			return addr
		}
	}
	return e.Target
}

// replay asks the store for a replay against the current target, with
// writes deciding what becomes of the exchanges that may change data.
func (v *SessionView) replay(writes Writes) tea.Cmd {
	switch {
	case v.replaying:
		return ui.Notify(ui.Warn, "a replay is running")
	case v.store == nil:
		return ui.Notify(ui.Error, "replay is not available here")
	case len(v.s.Exchanges) == 0:
		return ui.Notify(ui.Warn, "nothing to replay")
	}
	v.seq++
	v.replaying = true
	s, path, target, seq := v.store, v.s.Path, v.target, v.seq
	return func() tea.Msg {
		rep, err := s.Replay(context.Background(), path, target, writes)
		return replayed{owner: v, seq: seq, target: target, writes: writes, rep: rep, err: err}
	}
}

// replayed takes a replay's outcome: a refusal becomes the question, a
// replay against a target since left is only a notice, anything else is
// shown.
func (v *SessionView) replayed(msg replayed) tea.Cmd {
	if msg.owner != v || msg.seq != v.seq {
		return nil
	}
	v.replaying = false
	switch {
	case msg.err != nil:
		return ui.Notify(ui.Error, "replay: "+msg.err.Error())
	case msg.target.Label != v.target.Label:
		return ui.Notify(ui.Info, "replay against "+msg.target.Label+" ended after the target changed: not shown")
	case len(msg.rep.Refused) > 0:
		v.ask = &asking{target: msg.target, unsafe: msg.rep.Refused}
		return ui.Notify(ui.Warn, "nothing sent: "+strconv.Itoa(len(msg.rep.Refused))+" exchanges may change data; "+v.answers())
	}
	v.report = msg.rep
	clear(v.results)
	for _, r := range msg.rep.Results {
		v.results[r.Index] = r
	}
	v.rows()
	level := ui.Info
	if msg.rep.Failed > 0 {
		level = ui.Warn
	}
	return ui.Notify(level, "replay against "+msg.target.Label+": "+summary(msg.rep))
}

// answer takes the key pressed while asking.
func (v *SessionView) answer(k tea.KeyPressMsg) tea.Cmd {
	v.ask = nil
	switch {
	case key.Matches(k, v.km.AllowWrites):
		return v.replay(WritesAllowed)
	case key.Matches(k, v.km.OnlySafe):
		return v.replay(WritesSkipped)
	}
	return ui.Notify(ui.Info, "replay cancelled: nothing was sent")
}

func (v *SessionView) answers() string {
	return v.km.AllowWrites.Help().Key + " sends them too · " + v.km.OnlySafe.Help().Key + " replays only the safe ones · any other key cancels"
}

// question is the details area while asking: what would change data, and
// the answers.
func (v *SessionView) question() []string {
	room := v.detailHeight()
	line := func(s string, tone styles.Tone) string { return v.st.Tone(tone).Render(sanitize.Line(s, v.w)) }
	n := len(v.ask.unsafe)
	out := []string{line("Replay against "+v.ask.target.Label+"? "+strconv.Itoa(n)+" of "+strconv.Itoa(len(v.s.Exchanges))+
		" exchanges may change data (nothing has been sent):", styles.ToneWarn)}
	shown := min(n, max(0, room-2))
	if shown < n {
		shown = max(0, shown-1)
	}
	for _, u := range v.ask.unsafe[:shown] {
		out = append(out, line("  "+u, styles.ToneWarn))
	}
	if shown < n {
		out = append(out, line("  … and "+strconv.Itoa(n-shown)+" more", styles.ToneWarn))
	}
	return append(out, line(v.answers(), styles.ToneInfo))
}

// summary is a replay's counts for people.
func summary(r *Report) string {
	s := strconv.Itoa(r.Passed) + " passed, " + strconv.Itoa(r.Failed) + " failed"
	if r.Skipped > 0 {
		s += ", " + strconv.Itoa(r.Skipped) + " skipped"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
