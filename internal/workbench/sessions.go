package workbench

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/kitbench/kitbench/recorder"
)

// MaxBodyLines bounds the lines of one body in a SessionExchange.
const MaxBodyLines = 200

// Sessions lists, opens and replays the session files of a project:
// *.kitrec in the project directory and in its SessionsDir.
type Sessions struct {
	// Dir is the project directory.
	Dir string
}

// SessionFile is one session file.
type SessionFile struct {
	Path     string // relative to the project directory, with forward slashes
	Size     int64
	Modified time.Time
}

// SessionExchange is one recorded exchange, summed up for people.
type SessionExchange struct {
	ID        string
	Name      string // "GetBook", or the method and path when the endpoint is unknown
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
	// Request and Response are the bodies as PrettyJSON shows them, at
	// most MaxBodyLines each (and a line saying how many more), or one
	// line giving the size of a body that is not JSON.
	Request, Response []string
}

// Session is an opened session file.
type Session struct {
	Path      string
	Service   string
	Created   time.Time
	Ignore    []string // JSON paths replay does not compare
	Exchanges []SessionExchange
	// Unreadable lists the lines that could not be read ("line 7: …").
	Unreadable []string
}

// ReplayResult is the outcome of replaying one exchange.
type ReplayResult struct {
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

// ReplayReport is a whole replay.
type ReplayReport struct {
	Results        []ReplayResult
	Passed, Failed int
	Skipped        int // not sent: neither passed nor failed
	// Refused names the exchanges that may change data when the replay
	// refused to send them ("#3 DELETE /v1/books/1 (DELETE is not a GET,
	// HEAD or OPTIONS)"); then nothing was sent. Nil otherwise.
	Refused []string
}

// List returns the session files, newest first.
func (s Sessions) List(context.Context) ([]SessionFile, error) {
	var out []SessionFile
	for _, sub := range []string{".", SessionsDir} {
		des, err := os.ReadDir(filepath.Join(s.Dir, sub))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, de := range des {
			if !de.Type().IsRegular() || !strings.HasSuffix(de.Name(), ".kitrec") {
				continue
			}
			info, err := de.Info()
			if err != nil {
				continue // removed meanwhile
			}
			out = append(out, SessionFile{Path: filepath.ToSlash(filepath.Join(sub, de.Name())), Size: info.Size(), Modified: info.ModTime()})
		}
	}
	slices.SortStableFunc(out, func(a, b SessionFile) int { return b.Modified.Compare(a.Modified) })
	return out, nil
}

// path resolves a listed path inside the project directory; any other
// path is refused.
func (s Sessions) path(p string) (string, error) {
	p = filepath.FromSlash(p)
	if !filepath.IsLocal(p) {
		return "", fmt.Errorf("%s: not a session file of this project", p)
	}
	return filepath.Join(s.Dir, p), nil
}

// Open reads one session; a damaged file gives its readable exchanges.
func (s Sessions) Open(_ context.Context, p string) (*Session, error) {
	full, err := s.path(p)
	if err != nil {
		return nil, err
	}
	rs, err := recorder.ReadFile(full, recorder.ReadOptions{})
	if err != nil {
		return nil, err
	}
	out := &Session{Path: p, Service: rs.Header.Service, Created: rs.Header.Created, Ignore: rs.Header.Ignore}
	for _, le := range rs.Errors {
		out.Unreadable = append(out.Unreadable, le.Error())
	}
	for i := range rs.Exchanges {
		out.Exchanges = append(out.Exchanges, summary(&rs.Exchanges[i]))
	}
	return out, nil
}

func summary(ex *recorder.Exchange) SessionExchange {
	e := SessionExchange{ID: ex.ID, Name: ex.Endpoint, Service: ex.Service, Instance: ex.Instance, Transport: ex.Transport,
		Target: ex.Target, Time: ex.Time, Duration: ex.Duration, TraceID: ex.TraceID, Error: ex.Error,
		Request: bodyLines(ex.Request.Body), Response: bodyLines(ex.Response.Body)}
	if e.Name == "" {
		e.Name = ex.Name()
	}
	e.Status, e.OK = responseStatus(ex.Transport, &ex.Response)
	return e
}

func responseStatus(transport string, r *recorder.Response) (string, bool) {
	if transport == recorder.TransportGRPC {
		return codes.Code(r.GRPCCode).String(), r.GRPCCode == 0
	}
	return strconv.Itoa(r.Status), r.Status >= 200 && r.Status < 300
}

func bodyLines(b *recorder.Body) []string {
	switch {
	case b == nil:
		return nil
	case len(b.JSON) > 0:
		lines := strings.Split(PrettyJSON(b.JSON), "\n")
		if len(lines) > MaxBodyLines {
			lines = append(lines[:MaxBodyLines], fmt.Sprintf("… %d more lines", len(lines)-MaxBodyLines))
		}
		return lines
	}
	size := int64(len(b.Bytes))
	if b.Size > 0 {
		size = b.Size
	}
	return []string{fmt.Sprintf("(%d bytes, not JSON)", size)}
}

// Replay sends the session's requests to specs ("http://host:port",
// "grpc://host:port"; nil sends each transport where it was recorded)
// as the package's Replay does, with writes deciding what becomes of
// exchanges that may change data. The dashboard asks before sending
// them, wherever they go: WritesGuarded (the zero value) is
// WritesRefused here.
func (s Sessions) Replay(ctx context.Context, p string, specs []string, writes Writes) (*ReplayReport, error) {
	full, err := s.path(p)
	if err != nil {
		return nil, err
	}
	if writes == WritesGuarded {
		writes = WritesRefused
	}
	r, err := Replay(ctx, full, ReplayOptions{Targets: specs, Writes: writes})
	if err != nil {
		return nil, err
	}
	out := &ReplayReport{Passed: r.Report.Passed, Failed: r.Report.Failed, Skipped: r.Report.Skipped, Refused: r.Refused()}
	for i := range r.Report.Results {
		res := &r.Report.Results[i]
		rr := ReplayResult{Index: res.Index, OK: res.OK() && res.Skipped == "", Duration: res.Duration, Skipped: res.Skipped,
			Refused: refused(res), TraceID: res.TraceID, RecordedTraceID: res.RecordedTraceID}
		if res.Got != nil {
			rr.Status, _ = responseStatus(r.Session.Exchanges[res.Index].Transport, res.Got)
		}
		for _, d := range res.Diffs {
			rr.Diffs = append(rr.Diffs, d.String())
		}
		if res.Err != nil {
			rr.Err = res.Err.Error()
		}
		out.Results = append(out.Results, rr)
	}
	return out, nil
}
