package ui_test

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/kitbench/kitbench/ui"
)

type fakeRecorder struct{ on bool }

func (f *fakeRecorder) ToggleRecording() ui.RecordingMsg {
	f.on = !f.on
	return ui.RecordingMsg{On: f.on, Path: ".kitbench/sessions/x.kitrec"}
}

func TestToggleRecording(t *testing.T) {
	r := &fakeRecorder{}
	for _, want := range []string{"recording calls to .kitbench/sessions/x.kitrec", "recording stopped: .kitbench/sessions/x.kitrec"} {
		batch, ok := ui.ToggleRecording(r)().(tea.BatchMsg)
		if !ok || len(batch) != 2 {
			t.Fatalf("want a batch of state and notice, got %T", batch)
		}
		if st := batch[0]().(ui.RecordingMsg); st.On != r.on {
			t.Errorf("state %+v, recorder on=%v", st, r.on)
		}
		if n := batch[1]().(ui.NoticeMsg); n.Text != want {
			t.Errorf("notice %q, want %q", n.Text, want)
		}
	}
	if n, ok := ui.ToggleRecording(nil)().(ui.NoticeMsg); !ok || n.Level != ui.Warn {
		t.Errorf("nil recorder: %#v", n)
	}
}
