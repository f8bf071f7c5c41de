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
	// Skipped says why the exchange was not sent; empty when it was.
	Skipped string
	// Refused: it may change data, and the replay refused to send it.
	Refused bool
	// TraceID is the fresh trace id the replayed request carried;
	// RecordedTraceID the recording's.
	TraceID, RecordedTraceID string
}

// Report is a whole replay.
type Report struct {
	Results        []Result
	Passed, Failed int
	Skipped        int // not sent: neither passed nor failed
	// Refused names the exchanges that may change data when the replay
	// refused to send them ("#3 DELETE /v1/books/1 (…)"); then nothing
	// was sent. Nil otherwise.
	Refused []string
}

// Writes says what a replay does with exchanges that may change the
// target's data (an HTTP POST or DELETE, a gRPC method not marked
// NO_SIDE_EFFECTS).
type Writes uint8

const (
	// WritesRefused, the zero value, sends nothing when the session has
	// such exchanges and names them in Report.Refused: the view asks
	// before sending them.
	WritesRefused Writes = iota
	// WritesAllowed sends them.
	WritesAllowed
	// WritesSkipped sends only the safe exchanges.
	WritesSkipped
)

// Store lists, reads and replays session files. The view calls it only
// from commands.
type Store interface {
	// List returns the session files, newest first.
	List(ctx context.Context) ([]File, error)
	// Open reads one session; a damaged file gives its readable exchanges.
	Open(ctx context.Context, path string) (*Session, error)
	// Replay sends the session's requests to target and compares, doing
	// with the exchanges that may change data what writes says.
	Replay(ctx context.Context, path string, target Target, writes Writes) (*Report, error)
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
		writes Writes
		rep    *Report
		err    error
	}
)
