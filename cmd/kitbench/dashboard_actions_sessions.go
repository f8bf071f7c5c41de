package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"

	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/ui/sessions"
)

// maxBodyLines bounds the lines of one body shown in the sessions view.
const maxBodyLines = 200

// dashSessions lists, opens and replays the session files of the project:
// *.kitrec in the project directory and in .kitbench/sessions. It
// implements sessions.Store.
type dashSessions struct{ dir string }

// List implements sessions.Store.
func (s dashSessions) List(context.Context) ([]sessions.File, error) {
	var out []sessions.File
	for _, sub := range []string{".", dashSessionsDir} {
		des, err := os.ReadDir(filepath.Join(s.dir, sub))
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
			out = append(out, sessions.File{Path: filepath.ToSlash(filepath.Join(sub, de.Name())), Size: info.Size(), Modified: info.ModTime()})
		}
	}
	slices.SortStableFunc(out, func(a, b sessions.File) int { return b.Modified.Compare(a.Modified) })
	return out, nil
}

// path resolves a listed path inside the project directory.
func (s dashSessions) path(p string) (string, error) {
	p = filepath.FromSlash(p)
	if !filepath.IsLocal(p) {
		return "", fmt.Errorf("%s: not a session file of this project", p)
	}
	return filepath.Join(s.dir, p), nil
}

// Open implements sessions.Store.
func (s dashSessions) Open(_ context.Context, p string) (*sessions.Session, error) {
	full, err := s.path(p)
	if err != nil {
		return nil, err
	}
	rs, err := recorder.ReadFile(full, recorder.ReadOptions{})
	if err != nil {
		return nil, err
	}
	out := &sessions.Session{Path: p, Service: rs.Header.Service, Created: rs.Header.Created, Ignore: rs.Header.Ignore}
	for _, le := range rs.Errors {
		out.Unreadable = append(out.Unreadable, le.Error())
	}
	for i := range rs.Exchanges {
		out.Exchanges = append(out.Exchanges, sessionExchange(&rs.Exchanges[i]))
	}
	return out, nil
}

func sessionExchange(ex *recorder.Exchange) sessions.Exchange {
	e := sessions.Exchange{ID: ex.ID, Name: ex.Endpoint, Service: ex.Service, Instance: ex.Instance, Transport: ex.Transport,
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
		lines := strings.Split(prettyJSON(b.JSON), "\n")
		if len(lines) > maxBodyLines {
			lines = append(lines[:maxBodyLines], fmt.Sprintf("… %d more lines", len(lines)-maxBodyLines))
		}
		return lines
	}
	size := int64(len(b.Bytes))
	if b.Size > 0 {
		size = b.Size
	}
	return []string{fmt.Sprintf("(%d bytes, not JSON)", size)}
}

func prettyJSON(b []byte) string {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return string(b)
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return string(b)
	}
	return string(out)
}

// Replay implements sessions.Store with recorder's replay engine: the
// session's requests go to target (or where they were recorded), compared
// with the file's and its sidecar's ignore rules.
func (s dashSessions) Replay(ctx context.Context, p string, target sessions.Target) (*sessions.Report, error) {
	full, err := s.path(p)
	if err != nil {
		return nil, err
	}
	rs, err := recorder.ReadFile(full, recorder.ReadOptions{})
	if err != nil {
		return nil, err
	}
	ignore, err := recorder.Sidecar(full)
	if err != nil {
		return nil, err
	}
	t, err := recorder.DialSession(rs, target.Specs)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	rp, err := recorder.NewReplayer(t, recorder.ReplayOptions{Ignore: ignore})
	if err != nil {
		return nil, err
	}
	rep, err := rp.Replay(ctx, rs)
	if err != nil {
		return nil, err
	}
	out := &sessions.Report{Passed: rep.Passed, Failed: rep.Failed}
	for _, r := range rep.Results {
		res := sessions.Result{Index: r.Index, OK: r.OK(), Duration: r.Duration}
		if r.Got != nil {
			res.Status, _ = responseStatus(rs.Exchanges[r.Index].Transport, r.Got)
		}
		for _, d := range r.Diffs {
			res.Diffs = append(res.Diffs, d.String())
		}
		if r.Err != nil {
			res.Err = r.Err.Error()
		}
		out.Results = append(out.Results, res)
	}
	return out, nil
}
