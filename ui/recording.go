package ui

import tea "charm.land/bubbletea/v2"

// RecordingMsg reports whether the calls made in the dashboard are being
// recorded to a session file, and where. It is broadcast: the call view
// shows it beside the request, the sessions view lists the new file.
type RecordingMsg struct {
	// On is true while calls are appended to Path.
	On bool
	// Path is the session file (the last one when recording stopped).
	Path string
	// Calls counts the exchanges appended since recording started.
	Calls int
	// Err says why the toggle failed; the state is then unchanged.
	Err string
}

// Recorder switches the recording of dashboard calls on and off. The
// dashboard wiring implements it (it opens and closes the session file);
// views call it only from the command ToggleRecording returns.
type Recorder interface {
	ToggleRecording() RecordingMsg
}

// ToggleRecording returns a command that toggles r and reports the new
// state as a RecordingMsg and a notice; nil r gives a notice saying that
// recording is not available.
func ToggleRecording(r Recorder) tea.Cmd {
	if r == nil {
		return Notify(Warn, "recording is not available here")
	}
	return func() tea.Msg {
		st := r.ToggleRecording()
		notice := NoticeMsg{Text: "recording stopped: " + st.Path}
		switch {
		case st.Err != "":
			notice = NoticeMsg{Text: "recording: " + st.Err, Level: Error}
		case st.On:
			notice = NoticeMsg{Text: "recording calls to " + st.Path}
		}
		return tea.BatchMsg{
			func() tea.Msg { return st },
			func() tea.Msg { return notice },
		}
	}
}
