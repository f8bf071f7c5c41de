package introspect

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// ErrTruncated reports an event stream that ended in the middle of an
// event.
var ErrTruncated = errors.New("introspect: event stream ended mid-event")

// sseEvent is one dispatched server-sent event.
type sseEvent struct {
	typ  string
	id   string
	data []byte
}

// sseReader parses a text/event-stream with bounded memory: no line and no
// event may exceed max bytes. Lines end with "\n" or "\r\n".
type sseReader struct {
	r   *bufio.Reader
	max int
	buf []byte // the current line
}

// sseBuffer is the read buffer of a stream: small, because a fleet keeps
// thousands of mostly idle streams open (a heartbeat is a dozen bytes); a
// longer line is read in pieces.
const sseBuffer = 512

// sseKeep is the largest line buffer a stream keeps between lines; a
// longer one (a big span) is let go once read.
const sseKeep = 4 << 10

func newSSEReader(r io.Reader, max int) *sseReader {
	return &sseReader{r: bufio.NewReaderSize(r, sseBuffer), max: max}
}

// line returns the next line without its terminator. A line longer than
// max is consumed entirely and reported with tooLong.
func (s *sseReader) line() (line []byte, tooLong bool, err error) {
	if cap(s.buf) > sseKeep {
		s.buf = nil
	}
	s.buf = s.buf[:0]
	for {
		chunk, err := s.r.ReadSlice('\n')
		if !tooLong {
			if len(s.buf)+len(chunk) > s.max+2 { // +2: the terminator
				tooLong = true
				s.buf = s.buf[:0]
			} else {
				s.buf = append(s.buf, chunk...)
			}
		}
		switch {
		case err == nil:
			return trimEOL(s.buf), tooLong, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(s.buf) > 0 || tooLong {
				return nil, false, ErrTruncated
			}
			return nil, false, io.EOF
		default:
			return nil, false, err
		}
	}
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// next returns the next event with a data field. An event over the size
// cap is skipped whole and reported as an error wrapping ErrTooLarge; the
// stream stays usable. io.EOF means the stream ended cleanly between
// events, ErrTruncated that it ended inside one.
func (s *sseReader) next() (sseEvent, error) {
	var (
		ev      sseEvent
		hasData bool
		started bool
		size    int
		over    bool
	)
	for {
		line, tooLong, err := s.line()
		if err != nil {
			if errors.Is(err, io.EOF) && started {
				return sseEvent{}, ErrTruncated
			}
			return sseEvent{}, err
		}
		if len(line) == 0 && !tooLong { // dispatch
			if over {
				return sseEvent{}, fmt.Errorf("%w: an event over %d bytes was skipped", ErrTooLarge, s.max)
			}
			if hasData {
				return ev, nil
			}
			ev, started, size = sseEvent{}, false, 0
			continue
		}
		started = true
		size += len(line)
		if tooLong || size > s.max {
			over, ev.data = true, nil
			continue
		}
		if line[0] == ':' || over {
			continue // a comment, or the rest of a skipped event
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(name) {
		case "event":
			ev.typ = string(value)
		case "id":
			ev.id = string(value)
		case "data":
			if hasData {
				ev.data = append(ev.data, '\n')
			}
			ev.data = append(ev.data, value...)
			hasData = true
		}
	}
}
