package sessions

import (
	"context"
	"time"
)

// File is one session file.
type File struct {
	Path     string // as shown: relative to the working directory
	Size     int64
	Modified time.Time
}

// Exchange is one recorded exchange, as the view shows it.
type Exchange struct {
	ID        string
	Name      string // "GetBook", or the method/path when the endpoint is unknown
	Service   string
	Instance  string
	Transport string // "http" or "grpc"
	Target    string // host:port it was recorded against
	Time      time.Time
	Duration  time.Duration
	Status    string // "200", "OK", "NOT_FOUND", …
	OK        bool
	TraceID   string
	Error     string // the call failed without a response
	// Request and Response are the bodies, pretty-printed, at most a few
	// hundred lines each.
	Request, Response []string
}

// Session is an opened session file.
type Session struct {
	Path      string
	Service   string
	Created   time.Time
	Ignore    []string // JSON paths replay does not compare
	Exchanges []Exchange
	// Unreadable lists the lines that could not be read ("line 7: …").
	Unreadable []string
}

// Target is where a replay sends the requests.
type Target struct {
	// Label names it for people: "as recorded", or an instance ID.
	Label string
	// Specs are the replay targets: "http://host:port", "grpc://host:port";
	// nil sends each transport where it was recorded.
	Specs []string
}

// Result is the outcome of replaying one exchange.
type Result struct {
	Index    int // the exchange's position in the session
	OK       bool
	Status   string   // what came back
	Diffs    []string // "$.title: want \"Dune\", got \"Emma\"", …
	Err      string   // why there is no response
	Duration time.Duration
}

// Report is a whole replay.
type Report struct {
	Results        []Result
	Passed, Failed int
}

// Store lists, reads and replays session files. The view calls it only
// from commands.
type Store interface {
	// List returns the session files, newest first.
	List(ctx context.Context) ([]File, error)
	// Open reads one session; a damaged file gives its readable exchanges.
	Open(ctx context.Context, path string) (*Session, error)
	// Replay sends the session's requests to target and compares.
	Replay(ctx context.Context, path string, target Target) (*Report, error)
}

// Messages from the views' commands, each carrying the view that asked.
type (
	listed struct {
		owner *View
		files []File
		err   error
	}
	opened struct {
		owner *View
		s     *Session
		err   error
	}
	replayed struct {
		owner  *SessionView
		seq    int
		target Target
		rep    *Report
		err    error
	}
)
